/**
 * The `#!` line of a script, split the way the Linux kernel splits it (fs/binfmt_script.c): the
 * interpreter runs to the first space or tab, and everything after it, trimmed of spaces and
 * tabs, is ONE argument. A carriage return is not whitespace to the kernel, which is why a script
 * saved with CRLF line endings fails with "/bin/sh^M: bad interpreter"; it is kept and flagged.
 */

/** Linux reads at most this much of the #! line (BINPRM_BUF_SIZE since 5.1). */
export const SHEBANG_MAX = 256;

/** A parsed #! line. */
export interface Shebang {
  /** As written, e.g. `/usr/bin/env`; empty when the line names nothing. */
  interpreter: string;
  /** The single optional argument, e.g. `python3` or `-S node --flag`. */
  arg?: string;
  /** The line without `#!` and the newline, for messages. */
  line: string;
  /** The line ends in `\r`: the file has Windows line endings. */
  crlf: boolean;
}

/** Parses the #! line at the start of `buf`, or returns null when `buf` is not a script. */
export function detectShebang(buf: Buffer): Shebang | null {
  if (buf.length < 2 || buf[0] !== 0x23 || buf[1] !== 0x21) return null;
  const window = buf.subarray(2, SHEBANG_MAX);
  const newline = window.indexOf(0x0a);
  const line = window.toString('utf8', 0, newline < 0 ? window.length : newline);
  const crlf = line.endsWith('\r');
  const trimmed = line.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
  const split = trimmed.search(/[ \t]/);
  const interpreter = split < 0 ? trimmed : trimmed.slice(0, split);
  const arg = split < 0 ? '' : trimmed.slice(split).replace(/^[ \t]+/, '');
  return arg ? { interpreter, arg, line, crlf } : { interpreter, line, crlf };
}
