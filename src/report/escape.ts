/** Untrusted text (image names, error messages, build logs) made safe for markdown and HTML. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/([`*_[\]])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

/** For text inside a fenced code block: only a fence could break out. */
export function escapeFence(text: string): string {
  return text.replace(/```/g, '`\u200b``');
}

/** Text that is safe inside a code span as it is: no backtick, pipe, space or markup. */
const PLAIN_TOKEN = /^[A-Za-z0-9._:/@+-]+$/;

/**
 * A platform, digest or other token as inline code when it is plain, else escaped text: a code
 * span shows backslashes literally, so untrusted text holding a backtick could not be escaped
 * inside one, and would close it early.
 */
export function inlineCode(text: string): string {
  return PLAIN_TOKEN.test(text) ? `\`${text}\`` : escapeMarkdown(text);
}

/** A word for a mermaid chart: anything but letters, digits and `._/+-` becomes `-` (`:`, `;`, `#` and newlines are syntax there). */
export function mermaidWord(text: string): string {
  return String(text).replace(/[^A-Za-z0-9._/+-]/g, '-');
}
