/**
 * Fitting the rendered report into GitHub's size limits for a check run summary or a comment,
 * without leaving a fence or a <details> open (which would swallow the truncation note).
 */

/**
 * Cuts `markdown` so that the result, `note` included, is at most `maxBytes` UTF-8 bytes.
 * Bytes, not characters: GitHub documents its limits in characters, and a byte count is never
 * smaller, so this is safe for any mix of ASCII and emoji. The cut falls at a line end where
 * it can, an open code fence and open <details> are closed, then `note` is appended. Text
 * that already fits comes back unchanged, without the note.
 */
export function truncateMarkdown(markdown: string, maxBytes: number, note: string): string {
  const bytes = Buffer.from(markdown, 'utf8');
  if (bytes.length <= maxBytes) return markdown;
  // Room for the closers is unknown until the cut is made, so guess, then shrink if it did not fit.
  let budget = maxBytes - Buffer.byteLength(note) - 256;
  while (budget > 0) {
    const head = cutAtLineEnd(cutAtCodePoint(bytes, budget));
    const out = head + resolveClosers(head) + note;
    if (Buffer.byteLength(out) <= maxBytes) return out;
    budget -= Buffer.byteLength(out) - maxBytes + 64;
  }
  return Buffer.byteLength(note) <= maxBytes ? note : cutAtCodePoint(Buffer.from(note), maxBytes);
}

/** The first `n` bytes, backed off so a multi-byte character is never split. */
function cutAtCodePoint(bytes: Buffer, n: number): string {
  let end = Math.min(n, bytes.length);
  // 0b10xxxxxx is a continuation byte: the character started earlier.
  while (end > 0 && end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/** Drops a partial last line, unless that would drop everything (one giant line). */
function cutAtLineEnd(text: string): string {
  const nl = text.lastIndexOf('\n');
  return nl > 0 ? text.slice(0, nl + 1) : text + '\n';
}

/** What closes the fence and the <details> blocks that `head` leaves open. */
function resolveClosers(head: string): string {
  let inFence = false;
  let openDetails = 0;
  for (const line of head.split('\n')) {
    if (/^\s*```/.test(line)) {
      inFence = !inFence;
      continue;
    }
    // Inside a fence, "<details>" is log text, not HTML.
    if (inFence) continue;
    openDetails += (line.match(/<details\b/gi) ?? []).length;
    openDetails -= (line.match(/<\/details>/gi) ?? []).length;
  }
  return (inFence ? '```\n' : '') + '\n</details>\n'.repeat(Math.max(0, openDetails));
}
