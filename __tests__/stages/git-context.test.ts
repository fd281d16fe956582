/**
 * The fetch half of "no checkout": a shallow fetch of the run's commit into the run directory,
 * then a Config whose context and file point into it. Real git against a file:// bare repository;
 * the authenticated HTTP path is __tests__/e2e/git-context.e2e.test.ts.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { basicCredentials, fetchGitContext, resolveGitFetchArgs } from '../../src/stages/git-context.js';
import type { Io } from '../../src/pipeline.js';
import type { Config, GitContext } from '../../src/types/config.js';

let tmp: string;
let bare: string;
let sha: string;
let firstSha: string;

function git(args: string[], cwd?: string): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'git-context-'));
  const work = path.join(tmp, 'work');
  fs.mkdirSync(path.join(work, 'svc', 'build'), { recursive: true });
  git(['init', '-q', work]);
  fs.writeFileSync(path.join(work, 'Dockerfile'), 'FROM busybox\n# first\n');
  git(['add', '-A'], work);
  git(['commit', '-q', '-m', 'first'], work);
  firstSha = git(['rev-parse', 'HEAD'], work);
  fs.writeFileSync(path.join(work, 'Dockerfile'), 'FROM busybox\n# root\n');
  fs.writeFileSync(path.join(work, 'svc', 'build', 'Dockerfile'), 'FROM busybox\n# svc\n');
  git(['add', '-A'], work);
  git(['commit', '-q', '-m', 'second'], work);
  sha = git(['rev-parse', 'HEAD'], work);
  bare = path.join(tmp, 'acme', 'app.git');
  git(['clone', '-q', '--bare', work, bare]);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function ioLog(): Io & { lines: string[]; secrets: string[] } {
  const lines: string[] = [];
  const secrets: string[] = [];
  return {
    lines,
    secrets,
    info: (m) => lines.push(m),
    warning: (m) => lines.push(`warning: ${m}`),
    group: async (_name, fn) => fn(),
    secret: (v) => secrets.push(v),
    createdBuilder: () => undefined
  };
}

function configWith(gitContext: GitContext | undefined, extra: Partial<Config> = {}): Config {
  return { context: 'placeholder', file: 'Dockerfile', githubToken: undefined, ...(gitContext ? { gitContext } : {}), ...extra } as Config;
}

function runDir(): string {
  return fs.mkdtempSync(path.join(tmp, 'multiarch-run-'));
}

test('a config without a Git context is returned as it is', async () => {
  const config = configWith(undefined, { context: '/ws', file: '/ws/Dockerfile' });
  await expect(fetchGitContext(config, ioLog(), runDir())).resolves.toBe(config);
});

test('fetches the commit shallowly into the run directory and points context and file there', async () => {
  const io = ioLog();
  const dir = runDir();
  const c = await fetchGitContext(configWith({ url: `file://${bare}`, source: 'run', auth: 'github-token', repository: 'acme/app', ref: sha, subdir: '' }), io, dir);
  expect(c.context).toBe(path.join(dir, 'git-context'));
  expect(c.file).toBe(path.join(dir, 'git-context', 'Dockerfile'));
  expect(fs.readFileSync(c.file, 'utf8')).toBe('FROM busybox\n# root\n');
  expect(git(['rev-parse', 'HEAD'], c.context)).toBe(sha);
  // Shallow: one commit, not the history.
  expect(git(['rev-list', '--count', 'HEAD'], c.context)).toBe('1');
  expect(io.lines).toContain(`no checkout: fetched acme/app@${sha} shallowly`);
});

test('an older commit (not a branch tip) is fetched by its sha', async () => {
  // GitHub serves any reachable sha; git http-backend needs allowReachableSHA1InWant for that.
  git(['config', 'uploadpack.allowReachableSHA1InWant', 'true'], bare);
  const c = await fetchGitContext(configWith({ url: `file://${bare}`, source: 'run', auth: 'github-token', repository: 'acme/app', ref: firstSha, subdir: '' }), ioLog(), runDir());
  expect(fs.readFileSync(c.file, 'utf8')).toBe('FROM busybox\n# first\n');
});

test('{{defaultContext}}:subdir with a file relative to it', async () => {
  const dir = runDir();
  const c = await fetchGitContext(configWith({ url: `file://${bare}`, source: 'run', auth: 'github-token', repository: 'acme/app', ref: sha, subdir: 'svc', file: 'build/Dockerfile' }), ioLog(), dir);
  expect(c.context).toBe(path.join(dir, 'git-context', 'svc'));
  expect(fs.readFileSync(c.file, 'utf8')).toBe('FROM busybox\n# svc\n');
});

test('an absolute file stays where it is', async () => {
  const local = path.join(tmp, 'local.Dockerfile');
  fs.writeFileSync(local, 'FROM busybox\n# local\n');
  const c = await fetchGitContext(configWith({ url: `file://${bare}`, source: 'run', auth: 'github-token', repository: 'acme/app', ref: sha, subdir: '' }, { file: local }), ioLog(), runDir());
  expect(c.file).toBe(local);
});

test('a commit without the Dockerfile: one error naming the commit and the file', async () => {
  await expect(fetchGitContext(configWith({ url: `file://${bare}`, source: 'run', auth: 'github-token', repository: 'acme/app', ref: sha, subdir: 'svc' }), ioLog(), runDir())).rejects.toThrow(
    `Dockerfile "svc/Dockerfile" not found in acme/app@${sha}`
  );
});

test('a subdir that is not in the commit', async () => {
  await expect(fetchGitContext(configWith({ url: `file://${bare}`, source: 'run', auth: 'github-token', repository: 'acme/app', ref: sha, subdir: 'nope' }), ioLog(), runDir())).rejects.toThrow(
    `Input "context": "{{defaultContext}}:nope": no directory "nope" in acme/app@${sha}`
  );
});

test('a failed fetch is one error naming the URL and carrying git\'s message', async () => {
  const url = `file://${tmp}/acme/missing.git`;
  const err = await fetchGitContext(configWith({ url, source: 'run', auth: 'github-token', repository: 'acme/missing', ref: sha, subdir: '' }), ioLog(), runDir()).catch((e: Error) => e);
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toMatch(new RegExp(`^no checkout, and fetching ${sha} from ${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} failed: .*(does not appear to be a git repository|not found|No such file)`, 's'));
});

describe('resolveGitFetchArgs and basicCredentials', () => {
  const url = 'https://github.com/acme/app.git';
  test('the token goes in an extra header, base64 of x-access-token:TOKEN, never in the URL', () => {
    const basic = basicCredentials({ auth: 'github-token', url }, 'ghs_secret');
    expect(basic).toBe(Buffer.from('x-access-token:ghs_secret').toString('base64'));
    const args = resolveGitFetchArgs({ url, ref: sha, basic: basic! });
    expect(args).toEqual(['-c', `http.extraheader=AUTHORIZATION: basic ${basic}`, '-c', 'credential.helper=', 'fetch', '--quiet', '--no-tags', '--depth', '1', url, sha]);
    expect(args.join(' ')).not.toContain('ghs_secret');
  });
  test('no token: no header (a public repository); no ref: the remote HEAD', () => {
    expect(resolveGitFetchArgs({ url, ref: sha })).toEqual(['-c', 'credential.helper=', 'fetch', '--quiet', '--no-tags', '--depth', '1', url, sha]);
    expect(resolveGitFetchArgs({ url, ref: '' }).slice(-2)).toEqual([url, 'HEAD']);
  });
  test("a URL's own user:password, and never the github-token for another host", () => {
    expect(basicCredentials({ auth: 'url', url, credentials: { username: 'bot', password: 'pw' } }, 'ghs_secret')).toBe(Buffer.from('bot:pw').toString('base64'));
    expect(basicCredentials({ auth: 'none', url: 'https://gitlab.example.com/a/b.git' }, 'ghs_secret')).toBeUndefined();
  });
  test("BuildKit's GIT_AUTH_TOKEN secrets, as BPA users pass them: GIT_AUTH_TOKEN.<host> first, then GIT_AUTH_TOKEN, before the github-token", () => {
    const other = { auth: 'none' as const, url: 'https://gitlab.example.com/a/b.git' };
    const b64 = (t: string) => Buffer.from(`x-access-token:${t}`).toString('base64');
    expect(basicCredentials(other, 'ghs_secret', [{ id: 'GIT_AUTH_TOKEN', kind: 'value', value: 'pat-any' }])).toBe(b64('pat-any'));
    expect(basicCredentials(other, undefined, [{ id: 'GIT_AUTH_TOKEN', kind: 'value', value: 'pat-any' }, { id: 'GIT_AUTH_TOKEN.gitlab.example.com', kind: 'env', env: 'GL_TOKEN' }], { GL_TOKEN: 'pat-host' })).toBe(b64('pat-host'));
    expect(basicCredentials({ auth: 'github-token', url }, 'ghs_secret', [{ id: 'GIT_AUTH_TOKEN.github.com', kind: 'value', value: 'pat-gh' }])).toBe(b64('pat-gh'));
    // A token for another host is not sent here; an ssh URL gets no header at all.
    expect(basicCredentials(other, undefined, [{ id: 'GIT_AUTH_TOKEN.github.com', kind: 'value', value: 'pat-gh' }])).toBeUndefined();
    expect(basicCredentials({ auth: 'none', url: 'git@github.com:a/b.git' }, undefined, [{ id: 'GIT_AUTH_TOKEN', kind: 'value', value: 'pat-any' }])).toBeUndefined();
  });
});

describe('a Git URL context', () => {
  const urlContext = (ref: string, subdir = '', file?: string): GitContext => ({ source: 'url', auth: 'none', url: `file://${bare}`, repository: 'acme/app', ref, subdir, ...(file ? { file } : {}) });

  test('a branch, fetched and checked out; the log names the URL and the commit', async () => {
    const io = ioLog();
    const c = await fetchGitContext(configWith(urlContext('main', 'svc', 'build/Dockerfile')), io, runDir());
    expect(fs.readFileSync(c.file, 'utf8')).toBe('FROM busybox\n# svc\n');
    expect(io.lines).toContain(`context file://${bare}#main: fetched ${sha} shallowly`);
  });

  test('no ref: the default branch', async () => {
    const c = await fetchGitContext(configWith(urlContext('')), ioLog(), runDir());
    expect(fs.readFileSync(c.file, 'utf8')).toBe('FROM busybox\n# root\n');
  });

  test('a ref that does not exist: one error naming the input, the ref and the URL', async () => {
    const err = await fetchGitContext(configWith(urlContext('no-such-branch')), ioLog(), runDir()).catch((e: Error) => e);
    expect((err as Error).message).toMatch(new RegExp(`^Input "context": fetching no-such-branch from file://${bare.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} failed: .*no-such-branch`, 's'));
  });

  test('a subdir the ref does not have', async () => {
    await expect(fetchGitContext(configWith(urlContext('main', 'nope')), ioLog(), runDir())).rejects.toThrow(`Input "context": "file://${bare}#main:nope": no directory "nope" in acme/app@${sha}`);
  });
});

test('the header value is handed to the masker before git runs', async () => {
  const io = ioLog();
  await fetchGitContext(configWith({ url: `file://${bare}`, source: 'run', auth: 'github-token', repository: 'acme/app', ref: sha, subdir: '' }, { githubToken: 'ghs_secret' }), io, runDir());
  expect(io.secrets).toContain(Buffer.from('x-access-token:ghs_secret').toString('base64'));
  expect(io.lines.join('\n')).not.toContain('ghs_secret');
});
