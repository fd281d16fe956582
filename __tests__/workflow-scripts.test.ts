/**
 * The scripts the workflows run from .github/scripts, run here for real: the reusable workflow's
 * registry logins (with PyYAML, without it, and JSON) against a fake docker, its step that keeps
 * the action's checkout out of the build context, in a scratch git repository, and the release's
 * changelog extraction.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SCRIPTS = path.resolve('.github/scripts');
let scratch: string;
beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-scripts-'));
});
afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('registry-login.py', () => {
  /** A docker that records each call (argv and stdin) and fails a login to fail.example. */
  function fakeDocker(): { docker: string; calls: () => { argv: string[]; stdin: string }[] } {
    const log = path.join(scratch, 'calls.jsonl');
    const docker = path.join(scratch, 'docker');
    fs.writeFileSync(docker, `#!/usr/bin/env python3
import json, sys
stdin = sys.stdin.read() if "--password-stdin" in sys.argv else ""
with open(${JSON.stringify(log)}, "a") as f:
    f.write(json.dumps({"argv": sys.argv[1:], "stdin": stdin}) + "\\n")
sys.exit(1 if sys.argv[-1] == "fail.example" else 0)
`, { mode: 0o755 });
    return { docker, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : []) };
  }

  function run(command: string, env: Record<string, string>, opts: { noPyYaml?: boolean } = {}) {
    const extra: Record<string, string> = {};
    if (opts.noPyYaml) {
      const shadow = path.join(scratch, 'shadow');
      fs.mkdirSync(shadow, { recursive: true });
      fs.writeFileSync(path.join(shadow, 'yaml.py'), 'raise ImportError("no PyYAML on this runner")\n');
      extra.PYTHONPATH = shadow;
    }
    const r = spawnSync('python3', [path.join(SCRIPTS, 'registry-login.py'), command], {
      env: { PATH: process.env.PATH!, HOME: scratch, RUNNER_TEMP: scratch, REGISTRY: '', ...extra, ...env },
      encoding: 'utf8'
    });
    return { status: r.status, out: r.stdout + r.stderr };
  }

  const BLOCK = `- registry: ghcr.io
  username: octo
  password: "p@ss: with # and \\"quotes\\""
- registry: docker.io
  username: 'hub user'
  password: hub-token # a comment
`;

  test.each([
    ['YAML, with PyYAML', BLOCK, false],
    ['YAML, without PyYAML', BLOCK, true],
    ['JSON', JSON.stringify([{ registry: 'ghcr.io', username: 'octo', password: 'p@ss: with # and "quotes"' }, { registry: 'docker.io', username: 'hub user', password: 'hub-token' }]), true]
  ])('%s: masks every password, then logs in to each registry with it on stdin', (_, auths, noPyYaml) => {
    const { docker, calls } = fakeDocker();
    const r = run('login', { DOCKER: docker, REGISTRY_AUTHS: auths }, { noPyYaml });
    expect(r).toMatchObject({ status: 0 });
    expect(calls()).toEqual([
      { argv: ['login', '--username', 'octo', '--password-stdin', 'ghcr.io'], stdin: 'p@ss: with # and "quotes"' },
      { argv: ['login', '--username', 'hub user', '--password-stdin', 'docker.io'], stdin: 'hub-token' }
    ]);
    const maskAt = r.out.indexOf('::add-mask::p@ss: with # and "quotes"');
    expect(maskAt).toBeGreaterThanOrEqual(0);
    expect(r.out.indexOf('::add-mask::hub-token')).toBeGreaterThanOrEqual(0);
    expect(maskAt).toBeLessThan(r.out.indexOf('Logging in'));
  });

  test('the single registry input logs in first, and logout undoes every login', () => {
    const { docker, calls } = fakeDocker();
    const env = { DOCKER: docker, REGISTRY: 'ghcr.io', REGISTRY_USERNAME: 'actor', REGISTRY_PASSWORD: 'gh-token', REGISTRY_AUTHS: '- registry: quay.io\n  username: q\n  password: q-token\n' };
    expect(run('login', env)).toMatchObject({ status: 0 });
    expect(run('logout', env)).toMatchObject({ status: 0 });
    expect(calls().map((c) => c.argv.join(' '))).toEqual([
      'login --username actor --password-stdin ghcr.io',
      'login --username q --password-stdin quay.io',
      'logout ghcr.io',
      'logout quay.io'
    ]);
    // Nothing logged in, nothing to log out: logout after logout is quiet.
    expect(run('logout', env)).toMatchObject({ status: 0 });
    expect(calls()).toHaveLength(4);
  });

  test('no registry and no registry-auths: nothing to do', () => {
    const { docker, calls } = fakeDocker();
    expect(run('login', { DOCKER: docker, REGISTRY_AUTHS: '' })).toMatchObject({ status: 0 });
    expect(calls()).toEqual([]);
  });

  test.each([
    ['a missing password', '- registry: ghcr.io\n  username: octo\n', /entry 1: password is missing/, false],
    ['an unknown key', '- registry: ghcr.io\n  username: octo\n  password: s3cret-value\n  pasword: s3cret-value\n', /entry 1: unknown key pasword/, false],
    ['a number for a password (YAML would change it)', '- registry: ghcr.io\n  username: octo\n  password: 0123\n', /password is not a string \(quote it\)/, false],
    ['not a list', 'registry: ghcr.io\nusername: octo\npassword: s3cret-value\n', /expected a list/, false],
    ['broken YAML, with PyYAML', '- registry: ghcr.io\n  username: octo\n  password: "s3cret-value\n', /not valid YAML at line \d/, false],
    ['broken YAML, without PyYAML', '- registry: ghcr.io\n  username: octo\n  password: "s3cret-value\n', /line 3: unterminated double-quoted value/, true],
    ['a flow mapping, without PyYAML', '- {registry: ghcr.io, username: octo, password: s3cret-value}\n', /line 1: only plain or quoted values/, true]
  ])('%s fails, naming where, never the secret', (_, auths, message, noPyYaml) => {
    const { docker, calls } = fakeDocker();
    const r = run('login', { DOCKER: docker, REGISTRY_AUTHS: auths }, { noPyYaml });
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/::error title=registry-auths::/);
    expect(r.out).toMatch(message);
    expect(r.out).not.toMatch(/s3cret|0123/);
    expect(calls()).toEqual([]);
  });

  test('a failed docker login fails the step, after masking', () => {
    const { docker } = fakeDocker();
    const r = run('login', { DOCKER: docker, REGISTRY_AUTHS: '- registry: fail.example\n  username: u\n  password: s3cret-value\n' });
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/::add-mask::s3cret-value/);
    expect(r.out).toMatch(/docker login to fail.example failed/);
  });
});

describe('hide-action-checkout.sh', () => {
  function git(...args: string[]) {
    const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: scratch, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout;
  }
  function repo(files: Record<string, string>) {
    git('init', '-q');
    for (const [f, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(scratch, f)), { recursive: true });
      fs.writeFileSync(path.join(scratch, f), text);
    }
    git('add', '-A');
    git('commit', '-qm', 'caller');
    // The action's sparse checkout, as the reusable workflow makes it.
    fs.mkdirSync(path.join(scratch, '.multiarch-action/dist'), { recursive: true });
    fs.writeFileSync(path.join(scratch, '.multiarch-action/action.yml'), 'name: multiarch\n');
  }
  function hide(env: Record<string, string>) {
    const r = spawnSync('bash', [path.join(SCRIPTS, 'hide-action-checkout.sh'), '.multiarch-action'], { cwd: scratch, env: { PATH: process.env.PATH!, ...env }, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return r.stdout;
  }
  const read = (f: string) => fs.readFileSync(path.join(scratch, f), 'utf8');

  test('context at the root, no ignore file: one is made, and git status stays clean', () => {
    repo({ Dockerfile: 'FROM scratch\n' });
    hide({ CONTEXT: '.' });
    expect(read('.dockerignore').trim().split('\n')).toEqual(['.multiarch-action']);
    expect(git('status', '--porcelain')).toBe('');
  });

  test('a tracked .dockerignore gets the line last, after any re-including rule; git status stays clean', () => {
    repo({ Dockerfile: 'FROM scratch\n', '.dockerignore': '*\n!.multiarch-action\n!src' });
    hide({ CONTEXT: '' });
    expect(read('.dockerignore')).toBe('*\n!.multiarch-action\n!src\n.multiarch-action\n');
    expect(git('status', '--porcelain')).toBe('');
  });

  test('a Dockerfile-specific ignore file is the one BuildKit reads, so it gets the line', () => {
    repo({ 'docker/app.Dockerfile': 'FROM scratch\n', 'docker/app.Dockerfile.dockerignore': 'tmp\n', '.dockerignore': 'other\n' });
    hide({ CONTEXT: '.', FILE: 'docker/app.Dockerfile' });
    expect(read('docker/app.Dockerfile.dockerignore')).toBe('tmp\n\n.multiarch-action\n');
    expect(read('.dockerignore')).toBe('other\n');
    expect(git('status', '--porcelain')).toBe('');
  });

  test('a context that does not hold the checkout is left alone', () => {
    repo({ 'app/Dockerfile': 'FROM scratch\n' });
    expect(hide({ CONTEXT: 'app' })).toMatch(/outside the build context/);
    expect(fs.existsSync(path.join(scratch, 'app/.dockerignore'))).toBe(false);
    expect(fs.existsSync(path.join(scratch, '.dockerignore'))).toBe(false);
    expect(git('status', '--porcelain')).toBe('');
  });

  test('a context above the checkout names it by its path from there', () => {
    repo({ 'Dockerfile': 'FROM scratch\n' });
    fs.mkdirSync(path.join(scratch, 'ws'));
    fs.renameSync(path.join(scratch, '.multiarch-action'), path.join(scratch, 'ws/.multiarch-action'));
    const r = spawnSync('bash', [path.join(SCRIPTS, 'hide-action-checkout.sh'), 'ws/.multiarch-action'], { cwd: scratch, env: { PATH: process.env.PATH!, CONTEXT: '.' }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(read('.dockerignore').trim()).toBe('ws/.multiarch-action');
  });
});

describe('changelog-section.sh', () => {
  function section(version: string, file: string) {
    const r = spawnSync('bash', [path.join(SCRIPTS, 'changelog-section.sh'), version, file], { encoding: 'utf8' });
    return { status: r.status, out: r.stdout, err: r.stderr };
  }
  const CHANGELOG = `# Changelog

## [Unreleased]

- next

## [1.2.30] - 2026-03-01

- not this one

## [1.2.3] - 2026-02-01

### Fixed

- the thing

## [1.2.2] - 2026-01-01

- older

[1.2.3]: https://example.com/compare/v1.2.2...v1.2.3
`;

  test("prints exactly that version's section, with or without the v", () => {
    fs.writeFileSync(path.join(scratch, 'CHANGELOG.md'), CHANGELOG);
    for (const v of ['v1.2.3', '1.2.3']) expect(section(v, path.join(scratch, 'CHANGELOG.md'))).toMatchObject({ status: 0, out: '### Fixed\n\n- the thing\n' });
  });

  test('a version with no section fails the release', () => {
    fs.writeFileSync(path.join(scratch, 'CHANGELOG.md'), CHANGELOG);
    const r = section('v1.2', path.join(scratch, 'CHANGELOG.md'));
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/::error.*no "## \[1\.2\]" section/);
  });

  test("the project's CHANGELOG.md keeps a Changelog, with an Unreleased section to release from", () => {
    const text = fs.readFileSync('CHANGELOG.md', 'utf8');
    expect(text).toMatch(/^# Changelog\n/);
    expect(text).toMatch(/keepachangelog\.com/);
    const r = section('Unreleased', 'CHANGELOG.md');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^### Added$/m);
  });
});
