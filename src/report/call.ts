/** The summary of a `call` subrequest (check, outline, targets), as a pure function: no image, so no platform table. */
import type { RunReport } from '../types/plan.js';
import { escapeFence, escapeMarkdown as esc, inlineCode } from './escape.js';

export function renderCallMarkdown(r: RunReport): string {
  const call = r.call!;
  const out = [`## ${r.error ? '❌' : '✅'} multiarch: ${esc(r.image)}`, ''];
  if (r.error) out.push(`**Failed:** ${esc(r.error)}`, '');
  out.push(`**Called:** \`${call.method}\` for ${call.platforms.map(inlineCode).join(', ')} (\`docker buildx build --call ${call.method}\`): nothing was built, pushed or verified.`, '');
  if (call.method === 'check') {
    const warnings = call.warnings ?? [];
    if (warnings.length) {
      out.push('| Line | Check | Warning |', '| --- | --- | --- |');
      for (const w of warnings) {
        const some = w.platforms.length < call.platforms.length ? ` (${w.platforms.map(inlineCode).join(', ')} only)` : '';
        out.push(`| ${inlineCode(`${w.file}${w.line ? `:${w.line}` : ''}`)} | ${w.url ? `[${esc(w.rule)}](${encodeURI(w.url)})` : esc(w.rule)} | ${esc(w.detail)}${some} |`);
      }
      out.push('');
    }
    if (call.buildError) out.push(`**Error:** ${esc(call.buildError)}`, '');
  }
  out.push('```', escapeFence(call.text || '(nothing to show)'), '```');
  return out.join('\n') + '\n';
}
