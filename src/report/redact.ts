/**
 * Secrets out of everything the run writes that the runner does not mask. `core.setSecret`
 * hides values in the runner's own log only: the job summary, the PR check and comment, step
 * outputs, leg-record artifacts and the CLI's summary file are written as we hand them over.
 * Every secret value is registered here (from the same onSecret path that masks it), and each
 * of those sinks passes through redact() before it is written.
 *
 * The forms redacted are the ones a value leaks as: the value itself, base64 of it (also when
 * it sits inside a longer base64 text, at any of the three byte alignments, as the runner's own
 * masker does), base64url, and the escaped forms JSON and URLs would give it.
 */

/** What a redacted value becomes: the runner's own mask, so both read alike. */
export const MASK = '***';

/**
 * Values shorter than this are not redacted. A 1–3 character "secret" (`1`, `abc`, `yes`) is
 * guessed in a few thousand tries, so hiding it protects nothing, and replacing it everywhere it
 * occurs (in digests, sizes, platform names) would garble the very report it sits in.
 */
export const MIN_SECRET_LENGTH = 4;

/** Derived forms shorter than this are left out: a 2–3 character base64 fragment matches by chance. */
const MIN_FORM_LENGTH = 6;

export class Redactor {
  private readonly forms = new Set<string>();
  /** Longest first, so that a secret containing a shorter one is replaced whole. */
  private sorted: string[] = [];

  /** Registers a secret value and its encodings; values under MIN_SECRET_LENGTH are ignored. */
  add(value: string): void {
    const trimmed = value.trim();
    if (trimmed.length < MIN_SECRET_LENGTH) return;
    // The trimmed value covers every place the whole one is printed (a file's final newline is
    // not part of the secret, and keeping it would eat the log's line break); its encodings do not.
    this.forms.add(trimmed);
    for (const form of [...encodedForms(value), ...encodedForms(trimmed)]) if (form.length >= MIN_FORM_LENGTH && form !== value) this.forms.add(form);
    // Every line of a multi-line secret (a key file) on its own: logs print them one by one.
    if (/[\r\n]/.test(trimmed)) for (const line of trimmed.split(/\r?\n/)) this.add(line);
    this.sorted = [...this.forms].sort((a, b) => b.length - a.length);
  }

  /** How many forms are registered (for tests and a debug line). */
  get size(): number {
    return this.forms.size;
  }

  /** True when `data` holds any registered form of a secret (a record about to leave the runner). */
  isFoundIn(data: Buffer | string): boolean {
    return this.sorted.some((form) => data.includes(form));
  }

  redact(text: string): string {
    let out = text;
    for (const form of this.sorted) if (out.includes(form)) out = out.split(form).join(MASK);
    return out;
  }

  /**
   * A copy of `value` with every string in it redacted (plain objects and arrays are walked;
   * Buffers, Dates and other objects are kept as they are). Used on the report before it is
   * rendered: rendering escapes text (`_` becomes `\_`), and an escaped secret is still a secret
   * that a search of the rendered text would no longer find.
   */
  redactDeep<T>(value: T): T {
    if (this.sorted.length === 0) return value;
    return mapStrings(value, (text) => this.redact(text));
  }
}

/**
 * A copy of `value` with `fn` applied to every string in it: plain objects and arrays are walked
 * (keys are kept), Buffers, Dates and other objects are kept as they are. Redacting the strings
 * of a structure, rather than its serialised text, cannot break the serialisation.
 */
export function mapStrings<T>(value: T, fn: (text: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return fn(v);
    if (Array.isArray(v)) return v.map(walk);
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}

/** The encodings of `value` that are redacted along with it. */
export function encodedForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms = [
    bytes.toString('base64'),
    bytes.toString('base64url'),
    // Escaping is per character, so the escaped value is found inside any larger escaped text.
    JSON.stringify(value).slice(1, -1),
    encodeURIComponent(value)
  ];
  for (const shift of [0, 1, 2]) forms.push(stableBase64(bytes, shift));
  return [...new Set(forms)].filter((f) => f !== value);
}

/**
 * The base64 characters that encode only `bytes` when they follow `shift` other bytes inside a
 * longer encoded text: the characters shared with the bytes around them are cut off each end.
 */
function stableBase64(bytes: Buffer, shift: number): string {
  const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
  // With 1 byte before it, the 2nd character mixes both; with 2 bytes before it, the 3rd.
  const start = [0, 2, 3][shift]!;
  const end = Math.floor(((shift + bytes.length) * 8) / 6);
  return encoded.slice(start, end);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
