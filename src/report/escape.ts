/** Untrusted text (image names, error messages, build logs) made safe for markdown and HTML. */
export function escapeMarkdown(text: string): string {
  return text
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
