/**
 * The PR check against a fake GitHub API on 127.0.0.1: what Octokit really sends (method, path,
 * body) and how publishPrCheck reacts to what GitHub answers. No module mocks.
 */
import type { context as githubContext } from '@actions/github';
import type { BuiltLeg, PlatformPlan, RunReport, Verification } from '../../src/types/plan.js';
import type { PrContext, PrLog } from '../../src/report/pr.js';
import { FakeGitHub } from './fake-github.js';

// A proxy from the environment would take the "loopback" requests off this machine. @actions/github
// picks its dispatcher when it is first imported, so clear the variables before that import.
for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy']) delete process.env[k];
const { publishPrCheck, resolveCheckName, resolveConclusion, resolveMarker, resolveTitle, GITHUB_TEXT_LIMIT } = await import('../../src/report/pr.js');
const { truncateMarkdown } = await import('../../src/report/pr-truncate.js');

const IMAGE = 'ghcr.io/octo/hello';
const HEAD = 'a'.repeat(40);
const PR = 7;
const TOKEN = 'ghs_test_token';

let gh: FakeGitHub;

beforeEach(async () => {
  gh = await new FakeGitHub('octo', 'hello').start();
});

afterEach(async () => {
  await gh.stop();
});

interface Logged {
  info: string[];
  warning: string[];
  notice: string[];
}

function recorder(): PrLog & { logged: Logged } {
  const logged: Logged = { info: [], warning: [], notice: [] };
  return { logged, info: (m) => logged.info.push(m), warning: (m) => logged.warning.push(m), notice: (m) => logged.notice.push(m) };
}

function context(over: Partial<PrContext> & { fork?: boolean } = {}): PrContext {
  const { fork, ...rest } = over;
  return {
    eventName: 'pull_request',
    payload: { pull_request: { number: PR, head: { sha: HEAD, repo: { fork: fork ?? false } } } },
    repo: { owner: 'octo', repo: 'hello' },
    apiUrl: gh.url,
    serverUrl: 'https://github.com',
    runId: 42,
    ...rest
  };
}

function platform(p: string): PlatformPlan {
  return { platform: p, strategy: 'native', language: 'go', emulatedSteps: [], rewrite: null, reasons: [], cacheScope: p };
}

function leg(p: string, ok = true): BuiltLeg {
  return { platform: platform(p), outDir: '/tmp/x', metadataFile: '/tmp/x.json', ok, attestations: [], startedAt: 0, durationMs: 1000 };
}

function verification(failing: string[] = []): Verification {
  const platforms = ['linux/amd64', 'linux/arm64'].map((p) => ({ platform: p, checks: [], ok: !failing.includes(p) }));
  return { platforms, extra: [], ok: failing.length === 0 };
}

function report(over: Partial<RunReport> = {}): RunReport {
  return {
    image: IMAGE,
    tags: [`${IMAGE}:pr-7`],
    pushed: true,
    plan: { platforms: [platform('linux/amd64'), platform('linux/arm64')], languages: ['go'], qemu: [], warnings: [], dockerfile: 'Dockerfile' },
    legs: [leg('linux/amd64'), leg('linux/arm64')],
    verification: verification(),
    logs: {},
    durationMs: 5000,
    ...over
  };
}

const MARKDOWN = '## ✅ multiarch: ghcr.io/octo/hello\n\n| Platform | Strategy |\n| --- | --- |\n';

describe('publishPrCheck: events', () => {
  it('does nothing at all outside pull request events', async () => {
    const log = recorder();
    for (const eventName of ['push', 'workflow_dispatch', 'schedule', 'issue_comment']) {
      await expect(publishPrCheck(report(), { token: TOKEN, context: context({ eventName }), markdown: MARKDOWN, log })).resolves.toBe('skipped');
    }
    expect(gh.requests).toEqual([]);
    expect(log.logged.warning).toEqual([]);
  });

  it('does not read context.repo outside pull request events (it throws outside Actions)', async () => {
    const ctx = {
      eventName: 'push',
      payload: {},
      apiUrl: gh.url,
      get repo(): never {
        throw new Error('context.repo requires a GITHUB_REPOSITORY environment variable');
      }
    };
    await expect(publishPrCheck(report(), { token: TOKEN, context: ctx, markdown: MARKDOWN, log: recorder() })).resolves.toBe('skipped');
  });

  it('skips without a token, sending nothing', async () => {
    const log = recorder();
    await expect(publishPrCheck(report(), { token: undefined, context: context(), markdown: MARKDOWN, log })).resolves.toBe('skipped');
    expect(gh.requests).toEqual([]);
    expect(log.logged.info.join('\n')).toMatch(/no github-token/);
  });

  it('also publishes on pull_request_target', async () => {
    const result = await publishPrCheck(report(), { token: TOKEN, context: context({ eventName: 'pull_request_target' }), markdown: MARKDOWN, log: recorder() });
    expect(result).toBe('check-created');
  });

  it("accepts @actions/github's context as it is", () => {
    // Type-level: main.ts passes github.context straight through.
    const fits: typeof githubContext extends PrContext ? true : false = true;
    expect(fits).toBe(true);
  });
});

describe('publishPrCheck: check runs', () => {
  it('creates a completed check run on the PR head commit', async () => {
    const log = recorder();
    const result = await publishPrCheck(report(), { token: TOKEN, context: context(), markdown: MARKDOWN, log });
    expect(result).toBe('check-created');
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /repos/octo/hello/commits/${HEAD}/check-runs`, 'POST /repos/octo/hello/check-runs']);
    const [list, create] = gh.requests;
    expect(list!.query).toMatchObject({ check_name: `multiarch: ${IMAGE}`, filter: 'latest' });
    expect(create!.authorization).toBe(`token ${TOKEN}`);
    expect(create!.body).toMatchObject({
      name: `multiarch: ${IMAGE}`,
      head_sha: HEAD,
      status: 'completed',
      conclusion: 'success',
      output: { title: '2 platforms built and verified', summary: MARKDOWN }
    });
    expect(Date.parse(String(create!.body!.completed_at))).not.toBeNaN();
    expect(log.logged.warning).toEqual([]);
    expect(log.logged.info.join('\n')).toMatch(/created check run/);
  });

  it('uses the name it is given', async () => {
    await publishPrCheck(report(), { token: TOKEN, context: context(), markdown: MARKDOWN, name: 'images / hello', log: recorder() });
    expect(gh.checkRuns.map((r) => r.name)).toEqual(['images / hello']);
  });

  it('updates the check run of the same name on the same commit instead of adding one', async () => {
    gh.addCheckRun('multiarch: ghcr.io/octo/other', HEAD);
    gh.addCheckRun(`multiarch: ${IMAGE}`, 'b'.repeat(40));
    const ours = gh.addCheckRun(`multiarch: ${IMAGE}`, HEAD);
    const result = await publishPrCheck(report(), { token: TOKEN, context: context(), markdown: MARKDOWN, log: recorder() });
    expect(result).toBe('check-updated');
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /repos/octo/hello/commits/${HEAD}/check-runs`, `PATCH /repos/octo/hello/check-runs/${ours.id}`]);
    const patch = gh.requests[1]!.body!;
    // head_sha is fixed at creation; the API takes everything else.
    expect(patch.head_sha).toBeUndefined();
    expect(patch).toMatchObject({ status: 'completed', conclusion: 'success', output: { summary: MARKDOWN } });
    expect(gh.checkRuns).toHaveLength(3);
    expect(ours.conclusion).toBe('success');
  });

  it.each([
    ['verified', 'success', '2 platforms built and verified', {}],
    ['verification failed', 'failure', 'Verification failed for linux/arm64', { verification: verification(['linux/arm64']) }],
    ['a run error', 'failure', 'Failed: buildx exited 1', { error: 'buildx exited 1\nmore detail' }],
    ['a failed leg', 'failure', 'Build failed for linux/arm64', { legs: [leg('linux/amd64'), leg('linux/arm64', false)], verification: undefined }],
    ['verify off', 'neutral', '2 platforms built, not verified', { verification: undefined }]
  ] as const)('concludes %s as %s', async (_label, conclusion, title, over) => {
    const r = report(over as Partial<RunReport>);
    expect(resolveConclusion(r)).toBe(conclusion);
    expect(resolveTitle(r)).toBe(title);
    await publishPrCheck(r, { token: TOKEN, context: context(), markdown: MARKDOWN, log: recorder() });
    expect(gh.requests.at(-1)!.body).toMatchObject({ conclusion, output: { title } });
  });

  it('truncates a summary over the API limit, closing what the cut left open', async () => {
    const log = '```\n' + 'x'.repeat(99) + '\n';
    const markdown = MARKDOWN + '<details><summary>Build log</summary>\n\n' + log.repeat(1) + 'line of log ✅\n'.repeat(8000) + '```\n\n</details>\n';
    expect(Buffer.byteLength(markdown)).toBeGreaterThan(GITHUB_TEXT_LIMIT);
    await publishPrCheck(report(), { token: TOKEN, context: context(), markdown, log: recorder() });
    const summary = String((gh.requests.at(-1)!.body!.output as { summary: string }).summary);
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(GITHUB_TEXT_LIMIT);
    expect(summary.startsWith(MARKDOWN)).toBe(true);
    expect(summary).toMatch(/\*\*Truncated:\*\*.*\[the job summary\]\(https:\/\/github\.com\/octo\/hello\/actions\/runs\/42\)/);
    // The fence and the <details> are closed before the note, so the note renders.
    const beforeNote = summary.slice(0, summary.indexOf('> **Truncated:**'));
    expect(beforeNote.match(/^```/gm)).toHaveLength(2);
    expect(beforeNote).toMatch(/```\n\n<\/details>\n\n$/);
  });
});

describe('publishPrCheck: comment fallback', () => {
  it('comments on the PR when the token may not write check runs', async () => {
    gh.forbidChecks = true;
    const log = recorder();
    const result = await publishPrCheck(report(), { token: TOKEN, context: context(), markdown: MARKDOWN, log });
    expect(result).toBe('comment-created');
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /repos/octo/hello/commits/${HEAD}/check-runs`,
      'POST /repos/octo/hello/check-runs',
      'GET /user',
      `GET /repos/octo/hello/issues/${PR}/comments`,
      `POST /repos/octo/hello/issues/${PR}/comments`
    ]);
    expect(gh.requests.at(-1)!.body).toEqual({ body: `<!-- multiarch:${IMAGE} -->\n${MARKDOWN}` });
    expect(log.logged.info.join('\n')).toMatch(/Resource not accessible by integration.*commenting/);
    expect(log.logged.warning).toEqual([]);
  });

  it('updates its earlier comment in place, found by the marker on any page', async () => {
    gh.forbidChecks = true;
    for (let i = 0; i < 130; i++) gh.addComment(PR, `comment ${i}`, 'someone');
    // Quoting the marker does not make a comment ours.
    gh.addComment(PR, `why does it say <!-- multiarch:${IMAGE} --> here?`, 'someone');
    gh.addComment(PR + 1, `<!-- multiarch:${IMAGE} -->\nanother PR`);
    const ours = gh.addComment(PR, `<!-- multiarch:${IMAGE} -->\nold report`);
    gh.addComment(PR, `<!-- multiarch:${IMAGE} -->\na duplicate after ours`);
    const before = gh.comments.length;

    const result = await publishPrCheck(report(), { token: TOKEN, context: context(), markdown: MARKDOWN, log: recorder() });
    expect(result).toBe('comment-updated');
    const listed = gh.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/comments'));
    expect(listed.map((r) => r.query.page ?? '1')).toEqual(['1', '2']);
    expect(gh.requests.at(-1)).toMatchObject({ method: 'PATCH', path: `/repos/octo/hello/issues/comments/${ours.id}`, body: { body: `<!-- multiarch:${IMAGE} -->\n${MARKDOWN}` } });
    expect(gh.comments).toHaveLength(before);
    expect(ours.body).toBe(`<!-- multiarch:${IMAGE} -->\n${MARKDOWN}`);
  });

  it('keeps the comment under the limit, marker first', async () => {
    gh.forbidChecks = true;
    const markdown = 'y'.repeat(70_000);
    await publishPrCheck(report(), { token: TOKEN, context: context(), markdown, log: recorder() });
    const body = String(gh.requests.at(-1)!.body!.body);
    expect(body.startsWith(`<!-- multiarch:${IMAGE} -->\n`)).toBe(true);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(GITHUB_TEXT_LIMIT);
    expect(body).toMatch(/Truncated/);
  });

  it('skips with a notice on a fork with a read-only token, never throwing', async () => {
    gh.forbidChecks = true;
    gh.forbidComments = true;
    const log = recorder();
    const result = await publishPrCheck(report(), { token: TOKEN, context: context({ fork: true }), markdown: MARKDOWN, log });
    expect(result).toBe('skipped');
    expect(log.logged.notice).toHaveLength(1);
    expect(log.logged.notice[0]).toMatch(/forks get a read-only token/);
    expect(log.logged.warning).toEqual([]);
  });

  it('names the missing permissions when the token is read-only on the base repository', async () => {
    gh.forbidChecks = true;
    gh.forbidComments = true;
    const log = recorder();
    await expect(publishPrCheck(report(), { token: TOKEN, context: context(), markdown: MARKDOWN, log })).resolves.toBe('skipped');
    expect(log.logged.notice[0]).toMatch(/checks: write.*pull-requests: write/);
  });
});

describe('publishPrCheck: other failures', () => {
  it('turns an API error into a warning and never throws', async () => {
    gh.broken = true;
    const log = recorder();
    await expect(publishPrCheck(report(), { token: TOKEN, context: context(), markdown: MARKDOWN, log })).resolves.toBe('failed');
    expect(log.logged.warning).toHaveLength(1);
    expect(log.logged.warning[0]).toMatch(/^PR check: 500 /);
  });

  it('does not fall back to a comment on a rate-limit 403', async () => {
    // A rate limit is not a missing permission: commenting would only hit the same limit.
    gh.respond = (_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json', 'x-ratelimit-remaining': '0', 'x-ratelimit-limit': '1000' });
      res.end(JSON.stringify({ message: 'API rate limit exceeded for installation ID 1.', documentation_url: 'https://docs.github.com/rest' }));
      return true;
    };
    const log = recorder();
    const result = await publishPrCheck(report(), { token: TOKEN, context: context(), markdown: MARKDOWN, log });
    expect(result).toBe('failed');
    expect(gh.requests.map((r) => r.method)).toEqual(['GET']);
    expect(log.logged.warning[0]).toMatch(/rate limit/);
  });

  it('warns when the payload has no pull request head commit', async () => {
    const log = recorder();
    const result = await publishPrCheck(report(), { token: TOKEN, context: { ...context(), payload: {} }, markdown: MARKDOWN, log });
    expect(result).toBe('skipped');
    expect(gh.requests).toEqual([]);
    expect(log.logged.warning[0]).toMatch(/no pull request head commit/);
  });

  it('gives up at its deadline instead of holding the job', async () => {
    // Accept the request and never answer.
    gh.respond = () => true;
    const log = recorder();
    const result = await publishPrCheck(report(), { token: TOKEN, context: context(), markdown: MARKDOWN, log, timeoutMs: 200 });
    expect(result).toBe('failed');
    expect(log.logged.warning).toHaveLength(1);
  });

  it('keeps the deadline on later pages of the comment list', async () => {
    gh.forbidChecks = true;
    for (let i = 0; i < 150; i++) gh.addComment(PR, `comment ${i}`, 'someone');
    gh.respond = (req) => req.query.page === '2';
    const log = recorder();
    const started = Date.now();
    const result = await publishPrCheck(report(), { token: TOKEN, context: context(), markdown: MARKDOWN, log, timeoutMs: 500 });
    expect(result).toBe('failed');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(gh.requests.at(-1)!.query.page).toBe('2');
  });
});

describe('names and markers', () => {
  it('names the check and the marker after the image', () => {
    expect(resolveCheckName(IMAGE)).toBe('multiarch: ghcr.io/octo/hello');
    expect(resolveMarker(IMAGE)).toBe('<!-- multiarch:ghcr.io/octo/hello -->');
  });

  it('keeps anything that could end the HTML comment out of the marker', () => {
    const marker = resolveMarker('evil-->x <b>--');
    const image = marker.slice('<!-- multiarch:'.length, -' -->'.length);
    expect(image).not.toMatch(/--|[<>\s]/);
    expect(marker).toBe('<!-- multiarch:evil-%2D%3Ex%20%3Cb%3E-%2D -->');
  });
});

describe('truncateMarkdown', () => {
  const note = '\n_truncated_\n';

  it('returns text that fits unchanged, without the note', () => {
    expect(truncateMarkdown('short\n', 100, note)).toBe('short\n');
  });

  it('cuts at a line end and never splits a multi-byte character', () => {
    const text = '✅✅✅✅✅✅\n'.repeat(100);
    const out = truncateMarkdown(text, 400, note);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(400);
    expect(out).not.toContain('\ufffd');
    expect(out.endsWith(note)).toBe(true);
    expect(out.slice(0, -note.length).split('\n').slice(0, -1).every((l) => l === '✅✅✅✅✅✅')).toBe(true);
  });

  it('cuts inside one giant line at a character boundary', () => {
    const out = truncateMarkdown('é'.repeat(1000), 501, note);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(501);
    expect(out).not.toContain('\ufffd');
    expect(out.endsWith(note)).toBe(true);
  });

  it('does not count <details> inside a code fence', () => {
    const text = '<details><summary>log</summary>\n\n```\n' + '<details>\n'.repeat(200) + '```\n</details>\n';
    const out = truncateMarkdown(text, 1000, note);
    const head = out.slice(0, -note.length);
    expect(head.match(/<\/details>/g)).toHaveLength(1);
    expect(head).toMatch(/```\n\n<\/details>\n$/);
  });
});

describe('publishPrCheck: the sticky comment is ours by marker and author', () => {
  const marked = (text: string) => `<!-- multiarch:${IMAGE} -->\n${text}`;

  it('does not overwrite a comment with our marker from another user (GITHUB_TOKEN)', async () => {
    gh.forbidChecks = true;
    const planted = gh.addComment(PR, marked('planted by someone else'), 'mallory');
    const ours = gh.addComment(PR, marked('old report'));
    const result = await publishPrCheck(report(), { token: TOKEN, context: context(), markdown: MARKDOWN, log: recorder() });
    expect(result).toBe('comment-updated');
    expect(planted.body).toBe(marked('planted by someone else'));
    expect(ours.body).toBe(marked(MARKDOWN));
  });

  it('creates a new comment when the only marked one is someone else\'s', async () => {
    gh.forbidChecks = true;
    const planted = gh.addComment(PR, marked('planted'), 'mallory');
    const result = await publishPrCheck(report(), { token: TOKEN, context: context(), markdown: MARKDOWN, log: recorder() });
    expect(result).toBe('comment-created');
    expect(planted.body).toBe(marked('planted'));
    expect(gh.comments.at(-1)).toMatchObject({ body: marked(MARKDOWN), user: { login: 'github-actions[bot]' } });
  });

  it('with a personal token, the token\'s user is the author (GET /user)', async () => {
    gh.forbidChecks = true;
    gh.userLogin = 'octocat';
    const bot = gh.addComment(PR, marked('from the GITHUB_TOKEN'));
    const mine = gh.addComment(PR, marked('old report'), 'octocat');
    const result = await publishPrCheck(report(), { token: TOKEN, context: context(), markdown: MARKDOWN, log: recorder() });
    expect(result).toBe('comment-updated');
    expect(bot.body).toBe(marked('from the GITHUB_TOKEN'));
    expect(mine.body).toBe(marked(MARKDOWN));
  });
});
