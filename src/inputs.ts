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
  for (const line of text.split(/\r?\n/)) {
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
