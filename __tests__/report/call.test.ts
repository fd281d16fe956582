/** The summary of a `call` subrequest: what was called, and what buildx said. */
import { renderMarkdown } from '../../src/report/render.js';
import { resolveOutputs } from '../../src/report/outputs.js';
import type { RunReport } from '../../src/types/plan.js';

const warning = { rule: 'FromAsCasing', url: 'https://docs.docker.com/go/dockerfile/rule/from-as-casing/', detail: "'as' and 'FROM' keywords' casing do not match", file: 'app/Dockerfile', line: 1, platforms: ['linux/amd64', 'linux/arm64'] };
const base: RunReport = { image: 'app', tags: [], pushed: false, legs: [], logs: {}, durationMs: 1 };

test('check: what was called, the warnings by line, and that nothing was built', () => {
  const r: RunReport = { ...base, error: 'Check complete, 1 warning has been found!', call: { method: 'check', platforms: ['linux/amd64', 'linux/arm64'], warnings: [warning], text: 'Check complete, 1 warning has been found!', json: { warnings: [warning] } } };
  const md = renderMarkdown(r);
  expect(md).toContain('## ❌ multiarch: app');
  expect(md).toContain('**Called:** `check` for `linux/amd64`, `linux/arm64` (`docker buildx build --call check`): nothing was built, pushed or verified.');
  expect(md).toContain('| `app/Dockerfile:1` | [FromAsCasing](https://docs.docker.com/go/dockerfile/rule/from-as-casing/) | \'as\' and \'FROM\' keywords\' casing do not match |');
  expect(md).not.toContain('| Platform | Strategy |');
  expect(JSON.parse(resolveOutputs(r).call!)).toEqual({ warnings: [warning] });
});

test('outline: buildx\'s text in a code block, the JSON in the call output', () => {
  const r: RunReport = { ...base, call: { method: 'outline', platforms: ['linux/amd64'], text: 'BUILD ARG   VALUE\nGREETING    hi', json: { args: [{ name: 'GREETING', value: 'hi' }] } } };
  const md = renderMarkdown(r);
  expect(md).toContain('## ✅ multiarch: app');
  expect(md).toContain('```\nBUILD ARG   VALUE\nGREETING    hi\n```');
  expect(resolveOutputs(r).call).toBe('{"args":[{"name":"GREETING","value":"hi"}]}');
});
