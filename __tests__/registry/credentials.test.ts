import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DOCKER_HUB_CONFIG_KEY, dockerConfigKey, resolveCredentials } from '../../src/registry/credentials.js';

/**
 * A stand-in credential helper: answers for a few server URLs read from stdin, says "not found"
 * (as the real helpers do) for the rest, and logs its argv and stdin so tests can check them. It
 * logs beside itself: jest gives tests a copy of process.env, which child processes do not see.
 */
const HELPER = `#!/bin/sh
IFS= read -r server || true
printf '%s|%s\\n' "$*" "$server" >> "$(dirname "$0")/log"
case "$server" in
  ghcr.io) printf '{"ServerURL":"ghcr.io","Username":"helper-user","Secret":"helper-secret"}' ;;
  ${DOCKER_HUB_CONFIG_KEY}) printf '{"ServerURL":"x","Username":"hub-user","Secret":"hub-secret"}' ;;
  token.example) printf '{"ServerURL":"x","Username":"<token>","Secret":"refresh-token"}' ;;
  broken.example) echo 'helper exploded' >&2; exit 3 ;;
  *) echo 'credentials not found in native keychain'; exit 1 ;;
esac
`;

let dir: string;
let binDir: string;
let savedPath: string | undefined;
let savedConfig: string | undefined;
let secrets: string[];
const onSecret = (s: string): void => {
  secrets.push(s);
};

async function writeConfig(config: unknown): Promise<void> {
  await writeFile(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
}

beforeAll(async () => {
  binDir = await mkdtemp(join(tmpdir(), 'multiarch-helper-'));
  await writeFile(join(binDir, 'docker-credential-test'), HELPER);
  await chmod(join(binDir, 'docker-credential-test'), 0o755);
  savedPath = process.env['PATH'];
  process.env['PATH'] = `${binDir}${delimiter}${savedPath ?? ''}`;
});

afterAll(async () => {
  process.env['PATH'] = savedPath;
  await rm(binDir, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'multiarch-dockercfg-'));
  savedConfig = process.env['DOCKER_CONFIG'];
  process.env['DOCKER_CONFIG'] = dir;
  secrets = [];
  await writeFile(join(binDir, 'log'), '');
});

afterEach(async () => {
  if (savedConfig === undefined) delete process.env['DOCKER_CONFIG'];
  else process.env['DOCKER_CONFIG'] = savedConfig;
  await rm(dir, { recursive: true, force: true });
});

const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('Docker Hub is keyed by its legacy v1 URL', () => {
  expect(dockerConfigKey('docker.io')).toBe('https://index.docker.io/v1/');
  expect(dockerConfigKey('ghcr.io')).toBe('ghcr.io');
});

test('no config file means anonymous', async () => {
  expect(await resolveCredentials('ghcr.io', { onSecret })).toBeUndefined();
  expect(secrets).toEqual([]);
});

test('explicit credentials win over the config, and are reported as secrets', async () => {
  await writeConfig({ auths: { 'ghcr.io': { auth: b64('cfg:cfgpw') } } });
  const creds = await resolveCredentials('ghcr.io', { explicit: { username: 'me', password: 'pw' }, onSecret });
  expect(creds).toEqual({ username: 'me', password: 'pw' });
  expect(secrets).toContain('pw');
  expect(secrets).toContain(b64('me:pw'));
});

test('auths: base64 auth, by exact key and by loose URL forms', async () => {
  await writeConfig({
    auths: {
      'https://ghcr.io/v1/': { auth: b64('gh-user:gh:pw') },
      [DOCKER_HUB_CONFIG_KEY]: { auth: b64('hub:hubpw') },
      'localhost:5000': { username: 'local', password: 'localpw' }
    }
  });
  expect(await resolveCredentials('ghcr.io', { onSecret })).toEqual({ username: 'gh-user', password: 'gh:pw' });
  expect(await resolveCredentials('docker.io', { onSecret })).toEqual({ username: 'hub', password: 'hubpw' });
  expect(await resolveCredentials('localhost:5000', { onSecret })).toEqual({ username: 'local', password: 'localpw' });
  expect(await resolveCredentials('quay.io', { onSecret })).toBeUndefined();
  expect(secrets).toEqual(expect.arrayContaining([b64('gh-user:gh:pw'), 'gh:pw', 'hubpw', 'localpw']));
});

test('auths: an identity token is kept apart from the password', async () => {
  await writeConfig({ auths: { 'acr.example.io': { auth: b64('00000000-0000-0000-0000-000000000000:'), identitytoken: 'refresh-abc' } } });
  const creds = await resolveCredentials('acr.example.io', { onSecret });
  expect(creds).toEqual({ username: '00000000-0000-0000-0000-000000000000', password: '', identityToken: 'refresh-abc' });
  expect(secrets).toContain('refresh-abc');
});

test('credHelpers: runs docker-credential-<name> get with the server URL on stdin', async () => {
  await writeConfig({ credHelpers: { 'ghcr.io': 'test' }, auths: { 'ghcr.io': { auth: b64('ignored:ignored') } } });
  const creds = await resolveCredentials('ghcr.io', { onSecret });
  expect(creds).toEqual({ username: 'helper-user', password: 'helper-secret' });
  expect(secrets).toContain('helper-secret');
  expect(await readFile(join(binDir, 'log'), 'utf8')).toBe('get|ghcr.io\n');
});

test('credsStore: asked with the Docker Hub key; a <token> username means an identity token', async () => {
  await writeConfig({ credsStore: 'test' });
  expect(await resolveCredentials('docker.io', { onSecret })).toEqual({ username: 'hub-user', password: 'hub-secret' });
  expect(await resolveCredentials('token.example', { onSecret })).toEqual({
    username: '',
    password: '',
    identityToken: 'refresh-token'
  });
  expect(secrets).toEqual(expect.arrayContaining(['hub-secret', 'refresh-token']));
  expect(await readFile(join(binDir, 'log'), 'utf8')).toBe(`get|${DOCKER_HUB_CONFIG_KEY}\nget|token.example\n`);
});

test('credsStore: "not found" falls back to inline auths, then to anonymous', async () => {
  await writeConfig({ credsStore: 'test', auths: { 'quay.io': { auth: b64('q:qpw') } } });
  expect(await resolveCredentials('quay.io', { onSecret })).toEqual({ username: 'q', password: 'qpw' });
  expect(await resolveCredentials('other.example', { onSecret })).toBeUndefined();
});

test('a failing helper is an error naming the helper, without its output on stdout', async () => {
  await writeConfig({ credHelpers: { 'broken.example': 'test' } });
  await expect(resolveCredentials('broken.example', { onSecret })).rejects.toThrow(
    'docker-credential-test get failed for broken.example: helper exploded'
  );
});

test('a helper that is not installed is an error naming the config and the helper', async () => {
  await writeConfig({ credHelpers: { 'ghcr.io': 'missing' } });
  await expect(resolveCredentials('ghcr.io', { onSecret })).rejects.toThrow(
    /names credential helper "missing" for ghcr\.io, but docker-credential-missing could not be run/
  );
});

test('a helper name that is not a plain name is refused', async () => {
  await writeConfig({ credHelpers: { 'ghcr.io': '../../bin/sh' } });
  await expect(resolveCredentials('ghcr.io', { onSecret })).rejects.toThrow('invalid credential helper name');
});

test('invalid JSON in config.json names the file', async () => {
  await writeConfig('{ not json');
  await expect(resolveCredentials('ghcr.io', { onSecret })).rejects.toThrow(`Docker config ${join(dir, 'config.json')} is not valid JSON`);
});

test('an explicit configDir overrides DOCKER_CONFIG', async () => {
  const other = await mkdtemp(join(tmpdir(), 'multiarch-dockercfg-'));
  try {
    await writeFile(join(other, 'config.json'), JSON.stringify({ auths: { 'ghcr.io': { auth: b64('o:opw') } } }));
    expect(await resolveCredentials('ghcr.io', { onSecret, configDir: other })).toEqual({ username: 'o', password: 'opw' });
  } finally {
    await rm(other, { recursive: true, force: true });
  }
});
