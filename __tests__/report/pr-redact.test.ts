/**
 * The PR check and the sticky comment go to GitHub's API, which the runner's masking never sees:
 * publishPrCheck redacts everything it sends (title, summary, comment body) before it is cut to
 * GitHub's limit, so a cut can never leave half a secret behind.
 */
import type { RunReport } from '../../src/types/plan.js';
import type { PrContext } from '../../src/report/pr.js';
import { Redactor } from '../../src/report/redact.js';
import { FakeGitHub } from './fake-github.js';

for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy']) delete process.env[k];
const { publishPrCheck } = await import('../../src/report/pr.js');

const SECRET = 'prs3cret_Xy9-"q"';
const B64 = Buffer.from(SECRET).toString('base64');
let gh: FakeGitHub;
beforeEach(async () => {
  gh = await new FakeGitHub('octo', 'hello').start();
});
afterEach(async () => {
  await gh.stop();
});

const context = (): PrContext => ({
  eventName: 'pull_request',
  payload: { pull_request: { number: 7, head: { sha: 'a'.repeat(40) } } },
  repo: { owner: 'octo', repo: 'hello' },
  apiUrl: gh.url
});
const report = { image: 'localhost:5000/app', tags: [], pushed: true, legs: [], logs: {}, durationMs: 1, error: `leg linux/amd64 failed: ${SECRET}` } as RunReport;
const markdown = `**Failed:** ${SECRET}\n\n<details>\n\n\`\`\`\n#8 0.2 ${SECRET}\n#8 0.2 ${B64}\n\`\`\`\n</details>\n`;
const log = { info: () => undefined, warning: () => undefined, notice: () => undefined };

function redact(): (text: string) => string {
  const r = new Redactor();
  r.add(SECRET);
  return (t) => r.redact(t);
}

function sent(): string {
  return JSON.stringify(gh.requests.map((r) => r.body ?? null));
}

test('the check run carries no secret, in its title or its summary', async () => {
  await expect(publishPrCheck(report, { token: 'ghs_t0ken', context: context(), markdown, log, redact: redact() })).resolves.toBe('check-created');
  const text = sent();
  expect(text).toContain('***');
  for (const s of [SECRET, JSON.stringify(SECRET).slice(1, -1), B64]) expect(text).not.toContain(s);
});

test('nor does the sticky comment when check runs are forbidden', async () => {
  gh.forbidChecks = true;
  await expect(publishPrCheck(report, { token: 'ghs_t0ken', context: context(), markdown, log, redact: redact() })).resolves.toBe('comment-created');
  expect(gh.comments[0]!.body).toContain('***');
  for (const s of [SECRET, B64]) expect(gh.comments[0]!.body).not.toContain(s);
});
