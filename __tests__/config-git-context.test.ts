/**
 * Item 10 of "Never worse than build-push-action": with no actions/checkout, the build context is
 * the run's Git commit (BPA's `{{defaultContext}}`). This is the resolution table; the fetch is
 * __tests__/stages/git-context.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError, resolveConfig } from '../src/config.js';
import { resolveRunCommit, type RunCommit } from '../src/context-input.js';

let empty: string;
let checkedOut: string;
let absoluteDockerfile: string;
beforeAll(() => {
  empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-git-empty-'));
  checkedOut = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-git-co-'));
  fs.writeFileSync(path.join(checkedOut, 'Dockerfile'), 'FROM busybox\n');
  fs.mkdirSync(path.join(checkedOut, 'docker'));
  fs.writeFileSync(path.join(checkedOut, 'docker', 'Dockerfile'), 'FROM busybox\n');
  absoluteDockerfile = path.join(checkedOut, 'docker', 'Dockerfile');
});
afterAll(() => {
  fs.rmSync(empty, { recursive: true, force: true });
  fs.rmSync(checkedOut, { recursive: true, force: true });
});

const SHA = '0123456789abcdef0123456789abcdef01234567';
const COMMIT: RunCommit = { serverUrl: 'https://github.com', repository: 'acme/app', sha: SHA };
const URL = 'https://github.com/acme/app.git';

function configOf(workspace: string, inputs: Record<string, string>, commit: RunCommit | null = COMMIT) {
  return resolveConfig((name) => inputs[name] ?? '', {
    workspace,
    tempDir: os.tmpdir(),
    onSecret: () => undefined,
    onWarning: () => undefined,
    ...(commit ? { commit } : {})
  });
}

describe('which context: the workspace or the run\'s commit', () => {
  // [name, workspace, inputs, expected gitContext (undefined: the workspace path context)]
  const table: Array<[string, () => string, Record<string, string>, object | undefined]> = [
    ['no context, empty workspace: the commit', () => empty, {}, { source: 'run', url: URL, repository: 'acme/app', ref: SHA, subdir: '', auth: 'github-token' }],
    ['context "." (the action.yml default), empty workspace: the commit', () => empty, { context: '.' }, { source: 'run', url: URL, repository: 'acme/app', ref: SHA, subdir: '', auth: 'github-token' }],
    ['relative file missing from the workspace: the commit, file inside it', () => empty, { file: 'docker/Dockerfile' }, { source: 'run', url: URL, repository: 'acme/app', ref: SHA, subdir: '', file: 'docker/Dockerfile', auth: 'github-token' }],
    ['{{defaultContext}}: the commit even with a checkout', () => checkedOut, { context: '{{defaultContext}}' }, { source: 'run', url: URL, repository: 'acme/app', ref: SHA, subdir: '', auth: 'github-token' }],
    ['{{defaultContext}}:subdir: a directory of the commit', () => empty, { context: '{{defaultContext}}:examples/go-cross/' }, { source: 'run', url: URL, repository: 'acme/app', ref: SHA, subdir: 'examples/go-cross', auth: 'github-token' }],
    ['{{defaultContext}}:./sub with a relative file: file relative to the subdir', () => empty, { context: '{{defaultContext}}:./sub', file: 'build/Dockerfile' }, { source: 'run', url: URL, repository: 'acme/app', ref: SHA, subdir: 'sub', file: 'build/Dockerfile', auth: 'github-token' }],
    ['{{defaultContext}}: with an empty subdir: the root', () => empty, { context: '{{defaultContext}}:' }, { source: 'run', url: URL, repository: 'acme/app', ref: SHA, subdir: '', auth: 'github-token' }],
    ['a checkout with a Dockerfile: the workspace', () => checkedOut, {}, undefined],
    ['a checkout with the relative file: the workspace', () => checkedOut, { file: 'docker/Dockerfile' }, undefined]
  ];
  test.each(table)('%s', (_name, workspace, inputs, expected) => {
    const c = configOf(workspace(), inputs);
    expect(c.gitContext).toEqual(expected);
    if (!expected) {
      expect(c.context).toBe(workspace());
      expect(c.file).toBe(path.join(workspace(), inputs.file || 'Dockerfile'));
    }
  });

  test('before the fetch, context and file name the commit, never a workspace path', () => {
    const c = configOf(empty, { context: '{{defaultContext}}:sub', file: 'build/Dockerfile' });
    expect(c.context).toBe(`${URL}#${SHA}:sub`);
    expect(c.file).toBe('sub/build/Dockerfile');
  });

  test('an absolute file stays the local Dockerfile beside a Git context', () => {
    const c = configOf(empty, { context: '{{defaultContext}}', file: absoluteDockerfile });
    expect(c.gitContext).toEqual({ source: 'run', url: URL, repository: 'acme/app', ref: SHA, subdir: '', auth: 'github-token' });
    expect(c.file).toBe(absoluteDockerfile);
  });

  test('the image name comes from the repository when no tag names it', () => {
    expect(configOf(empty, {}).imageName).toBe('app');
    expect(configOf(empty, { tags: 'localhost:5000/team/web:1' }).imageName).toBe('web');
  });

  test('a GitHub Enterprise server URL, with a trailing slash', () => {
    const c = configOf(empty, {}, { serverUrl: 'https://ghe.example.com/', repository: 'org/svc', sha: SHA });
    expect(c.gitContext?.url).toBe('https://ghe.example.com/org/svc.git');
  });
});

describe('kept as errors', () => {
  const table: Array<[string, () => string, Record<string, string>, RunCommit | null, string, RegExp]> = [
    ['no commit (CLI, local): Dockerfile not found as today', () => empty, {}, null, 'file', /Dockerfile "Dockerfile" not found \(expected a path to a Dockerfile; by default \{context\}\/Dockerfile\)/],
    ['an explicit context is never replaced by the commit', () => empty, { context: 'nope' }, COMMIT, 'context', /not a directory/],
    ['an absolute file that is missing', () => empty, { file: '/does/not/exist/Dockerfile' }, COMMIT, 'file', /not found/],
    ['{{defaultContext}} without the run\'s commit', () => checkedOut, { context: '{{defaultContext}}' }, null, 'context', /needs the run's Git commit \(GITHUB_REPOSITORY and GITHUB_SHA\)/],
    ['{{defaultContext}}: leaving the commit', () => empty, { context: '{{defaultContext}}:../x' }, COMMIT, 'context', /stays inside the repository/],
    ['{{defaultContext}}: an absolute subdir', () => empty, { context: '{{defaultContext}}:/etc' }, COMMIT, 'context', /stays inside the repository/],
    ['a relative file leaving the commit', () => empty, { file: '../../etc/Dockerfile' }, COMMIT, 'file', /not found/]
  ];
  test.each(table)('%s', (_name, workspace, inputs, commit, input, message) => {
    let err: unknown;
    try {
      configOf(workspace(), inputs, commit);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(message);
    expect((err as Error).message).toContain(`"${input}"`);
  });
});

describe('resolveRunCommit', () => {
  test.each([
    ['a GitHub run', { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/app', GITHUB_SHA: SHA }, COMMIT],
    ['no server URL: github.com', { GITHUB_REPOSITORY: 'acme/app', GITHUB_SHA: SHA }, COMMIT],
    ['no sha (local)', { GITHUB_REPOSITORY: 'acme/app' }, undefined],
    ['no repository (local)', { GITHUB_SHA: SHA }, undefined],
    ['a malformed sha is not a commit', { GITHUB_REPOSITORY: 'acme/app', GITHUB_SHA: 'main; rm -rf /' }, undefined],
    ['a server URL that is not http(s), or carries credentials', { GITHUB_SERVER_URL: 'https://user:pw@ghe.example.com', GITHUB_REPOSITORY: 'acme/app', GITHUB_SHA: SHA }, undefined],
    ['a malformed repository is not a commit', { GITHUB_REPOSITORY: '--upload-pack=x', GITHUB_SHA: SHA }, undefined]
  ])('%s', (_name, env, expected) => {
    expect(resolveRunCommit(env)).toEqual(expected);
  });

  // actions-toolkit's gitContext (BPA's default context): with DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF
  // a pull request builds its head commit, not the merge commit GITHUB_SHA names.
  const HEAD = 'b'.repeat(40);
  const pr = { GITHUB_REPOSITORY: 'acme/app', GITHUB_SHA: SHA, GITHUB_REF: 'refs/pull/7/merge' };
  const payload = { pull_request: { head: { sha: HEAD } } };
  test.each<[string, Record<string, string>, unknown, string]>([
    ['a pull request builds the merge commit by default', pr, payload, SHA],
    ['DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF=true: the head commit', { ...pr, DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF: 'true' }, payload, HEAD],
    ['…read as a Go boolean', { ...pr, DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF: '1' }, payload, HEAD],
    ['…false: the merge commit', { ...pr, DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF: 'false' }, payload, SHA],
    ['…not a pull request: GITHUB_SHA', { ...pr, GITHUB_REF: 'refs/heads/main', DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF: 'true' }, payload, SHA],
    ['…a payload without a head sha: GITHUB_SHA', { ...pr, DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF: 'true' }, {}, SHA],
    ['…a head sha that is not one: GITHUB_SHA', { ...pr, DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF: 'true' }, { pull_request: { head: { sha: '--upload-pack=x' } } }, SHA]
  ])('%s', (_name, env, event, sha) => {
    expect(resolveRunCommit(env, event as Parameters<typeof resolveRunCommit>[1])?.sha).toBe(sha);
  });
});
