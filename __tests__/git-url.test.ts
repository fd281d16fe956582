/** A Git URL as the build context, as buildx and build-push-action spell it. Pure. */
import * as os from 'node:os';
import { InputError, resolveConfig } from '../src/config.js';
import { parseGitUrl, redactUserinfo } from '../src/git-url.js';

describe('parseGitUrl', () => {
  test.each<[string, object]>([
    ['https://github.com/acme/app.git', { url: 'https://github.com/acme/app.git', ref: '', subdir: '', repository: 'acme/app', host: 'github.com' }],
    ['https://github.com/acme/app.git#v1.2.0', { url: 'https://github.com/acme/app.git', ref: 'v1.2.0', subdir: '' }],
    ['https://github.com/acme/app.git#main:services/web/', { ref: 'main', subdir: 'services/web' }],
    ['https://github.com/acme/app.git#:docker', { ref: '', subdir: 'docker' }],
    ['https://github.com/acme/app.git?ref=release/1.x&subdir=app', { ref: 'release/1.x', subdir: 'app' }],
    ['https://github.com/acme/app.git?tag=v2', { ref: 'v2' }],
    ['https://github.com/acme/app', { url: 'https://github.com/acme/app', repository: 'acme/app' }],
    ['github.com/acme/app#main', { url: 'https://github.com/acme/app', ref: 'main', host: 'github.com' }],
    ['git@github.com:acme/app.git#main:sub', { url: 'git@github.com:acme/app.git', ref: 'main', subdir: 'sub', repository: 'acme/app', host: 'github.com' }],
    ['ssh://git@ghe.example.com/acme/app.git', { url: 'ssh://git@ghe.example.com/acme/app.git', host: 'ghe.example.com' }],
    ['git://example.com/acme/app.git#0123456789abcdef0123456789abcdef01234567', { ref: '0123456789abcdef0123456789abcdef01234567' }],
    ['http://127.0.0.1:8080/acme/app.git#main', { url: 'http://127.0.0.1:8080/acme/app.git', host: '127.0.0.1' }]
  ])('%s', (text, expected) => {
    expect(parseGitUrl(text)).toMatchObject(expected);
  });

  test('user:password in an https URL leaves the URL and is kept apart', () => {
    expect(parseGitUrl('https://bot:s3cr%40t@git.example.com/acme/app.git#main')).toEqual({ url: 'https://git.example.com/acme/app.git', ref: 'main', subdir: '', repository: 'acme/app', host: 'git.example.com', credentials: { username: 'bot', password: 's3cr@t' } });
    expect(redactUserinfo('https://bot:s3cr%40t@git.example.com/acme/app.git')).toBe('https://bot:***@git.example.com/acme/app.git');
  });

  test.each(['.', 'app', './services/web', '/abs/dir', 'https://example.com/archive.tar.gz', 'https://example.com/app', '{{defaultContext}}:sub'])('%s is a path (or another context), not a Git URL', (text) => {
    expect(parseGitUrl(text)).toBeUndefined();
  });

  test.each<[string, RegExp]>([
    ['https://github.com/acme/app.git#main:../../etc', /subdir "..\/..\/etc" leaves the repository/],
    ['https://github.com/acme/app.git#--upload-pack=touch', /"--upload-pack=touch" is not a branch, tag or commit/],
    ['https://github.com/acme/app.git#a..b', /is not a branch, tag or commit/],
    ['https://github.com/acme/app.git?ref=main#dev', /has both a query and a fragment/],
    ['https://github.com/acme/app.git?checksum=abc', /parameter "checksum" is not supported \(expected ref, branch, tag or subdir\)/],
    ['https://bot:hunter2@github.com/acme/app.git#../x', /https:\/\/bot:\*\*\*@github.com/]
  ])('%s: one error naming the input', (text, message) => {
    let err: unknown;
    try {
      parseGitUrl(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^Input "context": /);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('hunter2');
  });
});

describe('a Git URL in the context input', () => {
  function configOf(inputs: Record<string, string>, serverUrl = 'https://github.com', secrets: string[] = []) {
    return resolveConfig((name) => inputs[name] ?? '', { workspace: os.tmpdir(), tempDir: os.tmpdir(), onSecret: (s) => secrets.push(s), onWarning: () => undefined, run: { serverUrl } });
  }

  test('is a Git context to fetch; the github-token may go to the run\'s own server', () => {
    const c = configOf({ context: 'https://github.com/acme/app.git#v1:svc', file: 'build/Dockerfile' });
    expect(c.gitContext).toEqual({ source: 'url', url: 'https://github.com/acme/app.git', repository: 'acme/app', ref: 'v1', subdir: 'svc', file: 'build/Dockerfile', auth: 'github-token' });
    expect(c.context).toBe('https://github.com/acme/app.git#v1:svc');
    expect(c.file).toBe('svc/build/Dockerfile');
    expect(c.imageName).toBe('app');
  });

  test('never to another host: a repository elsewhere is fetched anonymously', () => {
    expect(configOf({ context: 'https://gitlab.example.com/acme/app.git' }).gitContext).toMatchObject({ auth: 'none' });
    expect(configOf({ context: 'https://github.com/acme/app.git' }, 'https://ghe.example.com').gitContext).toMatchObject({ auth: 'none' });
    expect(configOf({ context: 'https://ghe.example.com/acme/app.git' }, 'https://ghe.example.com').gitContext).toMatchObject({ auth: 'github-token' });
  });

  test("a URL's user:password is used for it, registered as secrets, and kept out of context", () => {
    const secrets: string[] = [];
    const c = configOf({ context: 'https://bot:s3cret-pw@git.example.com/acme/app.git#main' }, 'https://github.com', secrets);
    expect(c.gitContext).toMatchObject({ auth: 'url', credentials: { username: 'bot', password: 's3cret-pw' } });
    expect(c.context).toBe('https://git.example.com/acme/app.git#main');
    expect(secrets).toEqual(expect.arrayContaining(['s3cret-pw', Buffer.from('bot:s3cret-pw').toString('base64')]));
  });

  test('a relative file leaving the repository', () => {
    expect(() => configOf({ context: 'https://github.com/acme/app.git#main:svc', file: '../../x/Dockerfile' })).toThrow(/^Input "file": "..\/..\/x\/Dockerfile" leaves the repository/);
  });
});
