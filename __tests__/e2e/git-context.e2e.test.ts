/**
 * A workflow without actions/checkout ("Never worse than build-push-action", item 10): an empty
 * workspace, and the run's commit served over loopback smart HTTP by the real git http-backend
 * behind GitHub's token auth. The action fetches the commit shallowly, plans from its Dockerfile
 * and builds it; the token stays out of the log.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startGitServer, publishRepository, type GitServer } from '../stack/git-server.js';
import { BASE_CONTEXTS, REGISTRY, ROOT, indexPlatforms, registryManifest, requireRegistry, requireStack, runAction, uniqueTag, type ActionRun } from './harness.js';

const TOKEN = `ghs_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
const HEADER = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
const common = { network: 'host', 'build-contexts': BASE_CONTEXTS, platforms: 'linux/amd64,linux/arm64' };

let server: GitServer;
let appSha: string;
let monoSha: string;
let workspace: string;

beforeAll(async () => {
  requireStack();
  await requireRegistry();
  server = await startGitServer({ token: TOKEN });
  appSha = publishRepository(server, 'acme/app', { '.': path.join(ROOT, 'examples/go-cross') });
  monoSha = publishRepository(server, 'acme/mono', { 'services/hello': path.join(ROOT, 'examples/go-cross'), 'README.md': path.join(ROOT, 'examples/go-cross/go.mod') });
  // An empty workspace: what a job without actions/checkout has.
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'no-checkout-ws-'));
}, 120_000);
afterAll(async () => {
  await server?.close();
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
});

function runEnv(repository: string, sha: string): Record<string, string> {
  return { GITHUB_WORKSPACE: workspace, GITHUB_SERVER_URL: server.url, GITHUB_REPOSITORY: repository, GITHUB_SHA: sha };
}

/** Every line of a step's output that shows the token or the header built from it, masking lines aside. */
function leaks(run: ActionRun): string[] {
  const all = [run.main.stdout, run.main.stderr, run.main.summary, run.post.stdout, run.post.stderr, JSON.stringify(run.main.outputs)].join('\n');
  return all.split('\n').filter((l) => (l.includes(TOKEN) || l.includes(HEADER)) && !l.startsWith('::add-mask::'));
}

describe('no checkout, no context: the run\'s commit is fetched and built', () => {
  const repo = 'e2e/no-checkout';
  const tag = uniqueTag('git');
  let run: ActionRun;

  beforeAll(async () => {
    run = await runAction({ ...common, 'github-token': TOKEN, push: 'true', tags: `${REGISTRY}/${repo}:${tag}` }, runEnv('acme/app', appSha));
  }, 900_000);

  test('main succeeds and says it fetched the commit shallowly', () => {
    expect({ code: run.main.code, errors: run.main.stdout.split('\n').filter((l) => l.startsWith('::error')) }).toEqual({ code: 0, errors: [] });
    expect(run.main.stdout).toContain(`no checkout: fetched acme/app@${appSha} shallowly`);
    // Authenticated by the token: no request was refused.
    expect(server.requests.filter((r) => r.path.startsWith('/acme/app.git')).map((r) => r.status)).not.toContain(401);
  });

  test('the plan was made from the commit\'s Dockerfile', () => {
    const plan = JSON.parse(run.main.outputs.plan!);
    expect(plan.platforms.map((p: { platform: string; strategy: string; language: string }) => [p.platform, p.strategy, p.language])).toEqual([
      ['linux/amd64', 'native', 'go'],
      ['linux/arm64', 'cross', 'go']
    ]);
  });

  test('both platforms are in the pushed index and verified', async () => {
    const index = await registryManifest(repo, tag);
    expect(index).toBeDefined();
    expect(indexPlatforms(index!.body).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    const platforms = JSON.parse(run.main.outputs.platforms!) as { platform: string; verified: boolean }[];
    expect(platforms.map((p) => [p.platform, p.verified])).toEqual([
      ['linux/amd64', true],
      ['linux/arm64', true]
    ]);
  });

  test('the token appears only in ::add-mask:: lines', () => {
    expect(run.main.stdout).toContain(`::add-mask::${TOKEN}`);
    expect(leaks(run)).toEqual([]);
  });

  test('the workspace is untouched and post removes the fetched copy', () => {
    expect(fs.readdirSync(workspace)).toEqual([]);
    expect(run.post.code).toBe(0);
    expect(fs.readdirSync(run.runnerTemp).filter((f) => f.startsWith('multiarch-'))).toEqual([]);
  });
});

test('a wrong token: one clear error naming the URL, without credentials', async () => {
  const run = await runAction({ ...common, 'github-token': 'ghs_wrong_token_value', push: 'true', tags: `${REGISTRY}/e2e/no-checkout:${uniqueTag('denied')}` }, runEnv('acme/app', appSha));
  expect(run.main.code).not.toBe(0);
  const errors = run.main.stdout.split('\n').filter((l) => l.startsWith('::error'));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain(`fetching ${appSha} from ${server.url}/acme/app.git failed`);
  // git's own reason, not a guess.
  expect(errors[0]).toMatch(/Authentication failed|terminal prompts disabled|could not read Username/);
  expect(errors[0]).toContain('the server refused the github-token: expected a github-token that can read acme/app');
  expect(errors[0]).not.toMatch(/ghs_wrong_token_value|x-access-token/);
  expect(run.main.stdout).not.toContain('no checkout: fetched');
}, 300_000);

test('{{defaultContext}}:subdir plans from a directory of the commit (mode plan)', async () => {
  const run = await runAction({ ...common, mode: 'plan', context: '{{defaultContext}}:services/hello', 'github-token': TOKEN }, runEnv('acme/mono', monoSha));
  expect({ code: run.main.code, errors: run.main.stdout.split('\n').filter((l) => l.startsWith('::error')) }).toEqual({ code: 0, errors: [] });
  expect(run.main.stdout).toContain(`no checkout: fetched acme/mono@${monoSha} shallowly`);
  const plan = JSON.parse(run.main.outputs.plan!);
  expect(plan.platforms.map((p: { platform: string; language: string }) => [p.platform, p.language])).toEqual([
    ['linux/amd64', 'go'],
    ['linux/arm64', 'go']
  ]);
  expect(leaks(run)).toEqual([]);
  expect(fs.readdirSync(run.runnerTemp).filter((f) => f.startsWith('multiarch-'))).toEqual([]);
}, 300_000);

describe('a Git URL as context (another repository, a branch and a subdir)', () => {
  const repo = 'e2e/git-url';
  const tag = uniqueTag('giturl');
  let run: ActionRun;
  let urlContext: string;

  beforeAll(async () => {
    urlContext = `${server.url}/acme/mono.git#main:services/hello`;
    // The run is acme/app's; the context is acme/mono on the same server, so the github-token may go there.
    run = await runAction({ ...common, context: urlContext, 'github-token': TOKEN, push: 'true', tags: `${REGISTRY}/${repo}:${tag}` }, runEnv('acme/app', appSha));
  }, 900_000);

  test('main fetches the branch shallowly, plans from its Dockerfile, builds, verifies and pushes both platforms', async () => {
    expect({ code: run.main.code, errors: run.main.stdout.split('\n').filter((l) => l.startsWith('::error')) }).toEqual({ code: 0, errors: [] });
    expect(run.main.stdout).toContain(`context ${server.url}/acme/mono.git#main: fetched ${monoSha} shallowly`);
    const plan = JSON.parse(run.main.outputs.plan!);
    expect(plan.platforms.map((p: { platform: string; language: string }) => [p.platform, p.language])).toEqual([
      ['linux/amd64', 'go'],
      ['linux/arm64', 'go']
    ]);
    const index = await registryManifest(repo, tag);
    expect(indexPlatforms(index!.body).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    const platforms = JSON.parse(run.main.outputs.platforms!) as { platform: string; verified: boolean }[];
    expect(platforms.map((p) => p.verified)).toEqual([true, true]);
  });

  test('the token stays masked, the workspace untouched, and post removes the fetched copy', () => {
    expect(leaks(run)).toEqual([]);
    expect(fs.readdirSync(workspace)).toEqual([]);
    expect(run.post.code).toBe(0);
    expect(fs.readdirSync(run.runnerTemp).filter((f) => f.startsWith('multiarch-'))).toEqual([]);
  });
});

test('a Git URL on another host than the run\'s server gets no github-token: refused, with one error saying why', async () => {
  const before = server.requests.length;
  const run = await runAction({ ...common, mode: 'plan', context: `${server.url}/acme/mono.git#main:services/hello`, 'github-token': TOKEN }, { ...runEnv('acme/app', appSha), GITHUB_SERVER_URL: 'https://github.com' });
  expect(run.main.code).not.toBe(0);
  const errors = run.main.stdout.split('\n').filter((l) => l.startsWith('::error'));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain(`Input "context": fetching main from ${server.url}/acme/mono.git failed`);
  expect(errors[0]).toContain("the server refused an anonymous fetch: expected a repository this run may read: the github-token goes only to the run's own server, so another repository needs a token that can read it, as secrets: GIT_AUTH_TOKEN=");
  // Every request of this run reached the server without the token: each was refused.
  expect(server.requests.slice(before).map((r) => r.status)).toEqual(server.requests.slice(before).map(() => 401));
  expect(leaks(run)).toEqual([]);
}, 300_000);

test("a Git URL's own user:token authenticates it (mode plan), masked in every output", async () => {
  const withCredentials = server.url.replace('http://', `http://x-access-token:${TOKEN}@`);
  const run = await runAction({ ...common, mode: 'plan', context: `${withCredentials}/acme/mono.git?ref=main&subdir=services/hello` }, { ...runEnv('acme/app', appSha), GITHUB_SERVER_URL: 'https://github.com' });
  expect({ code: run.main.code, errors: run.main.stdout.split('\n').filter((l) => l.startsWith('::error')) }).toEqual({ code: 0, errors: [] });
  expect(run.main.stdout).toContain(`context ${server.url}/acme/mono.git#main: fetched ${monoSha} shallowly`);
  expect(run.main.stdout).toContain(`::add-mask::${TOKEN}`);
  expect(leaks(run)).toEqual([]);
}, 300_000);

test('a Git URL on another host authenticated by a GIT_AUTH_TOKEN build secret, as BPA users pass it (mode plan)', async () => {
  const run = await runAction({ ...common, mode: 'plan', context: `${server.url}/acme/mono.git#main:services/hello`, secrets: `GIT_AUTH_TOKEN=${TOKEN}` }, { ...runEnv('acme/app', appSha), GITHUB_SERVER_URL: 'https://github.com' });
  expect({ code: run.main.code, errors: run.main.stdout.split('\n').filter((l) => l.startsWith('::error')) }).toEqual({ code: 0, errors: [] });
  expect(run.main.stdout).toContain(`context ${server.url}/acme/mono.git#main: fetched ${monoSha} shallowly`);
  expect(leaks(run)).toEqual([]);
}, 300_000);
