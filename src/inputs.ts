/**
 * List inputs as build-push-action reads them: newline or comma separated, with CSV quoting so
 * a value can hold a comma, and `#` comments. Some inputs keep commas (a cache spec, a build arg).
 */
import { parse } from 'csv-parse/sync';

export interface ListOptions {
  /** Keep commas inside a line: one line is one item (cache-to, build-args, labels…). */
  keepCommas?: boolean;
}

export function parseList(text: string, opts: ListOptions = {}): string[] {
  const items: string[] = [];
  for (const line of joinQuotedLines(text.split(/\r?\n/))) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    if (opts.keepCommas) {
      items.push(unquote(line.trim()));
      continue;
    }
    const rows = parse(line, { columns: false, relaxQuotes: true, relaxColumnCount: true, skipEmptyLines: true, trim: true }) as string[][];
    for (const row of rows) items.push(...row);
  }
  return items.map((i) => i.trim()).filter((i) => i !== '');
}

/**
 * A line that opens a quote it does not close continues on the next lines, up to the one that
 * closes it: BPA parses a list as one CSV text, so `"KEY=line 1⏎line 2"` is one entry (a
 * multi-line secret). A quote inside a value opens nothing, and one never closed changes nothing.
 */
function joinQuotedLines(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const close = opensQuote(lines[i]!) ? lines.findIndex((l, j) => j > i && closesQuote(l)) : -1;
    if (close < 0) {
      out.push(lines[i]!);
      continue;
    }
    out.push(lines.slice(i, close + 1).join('\n'));
    i = close;
  }
  return out;
}

/** `"` opens the line's first field and no other quote follows (`""` is an escaped quote). */
function opensQuote(line: string): boolean {
  const t = line.trim().replace(/""/g, '');
  return t.startsWith('"') && !t.slice(1).includes('"');
}

/** The line's only quote ends it (or ends a field, before a comma). */
function closesQuote(line: string): boolean {
  const t = line.trimEnd().replace(/""/g, '');
  const at = t.indexOf('"');
  return at >= 0 && at === t.lastIndexOf('"') && (at === t.length - 1 || t[at + 1] === ',');
}

/** A whole line wrapped in double quotes loses them, CSV style (`""` is a literal quote). */
function unquote(line: string): string {
  if (line.length >= 2 && line.startsWith('"') && line.endsWith('"')) {
    return line.slice(1, -1).replace(/""/g, '"');
  }
  return line;
}

const TRUE = new Set(['true', 'True', 'TRUE']);
const FALSE = new Set(['false', 'False', 'FALSE']);

/** YAML 1.2 core booleans, as @actions/core getBooleanInput accepts; undefined when empty. */
export function parseBool(text: string): boolean | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  throw new Error('expected true or false');
}

/** `type=oci,dest=out` → {type: 'oci', dest: 'out'}. */
export function parseKeyValues(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of parseList(spec)) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
    else out[part.trim()] = '';
  }
  return out;
}
