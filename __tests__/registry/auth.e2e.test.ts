/**
 * The registry client against REAL distribution 2.8 registries with authentication: one behind
 * htpasswd Basic auth, and two behind Docker token auth (a JWT token service in the harness,
 * RS256 and ES256). Credentials come from a temp DOCKER_CONFIG's `auths`, as on a runner after
 * `docker login`. Needs the `docker-registry`, `htpasswd` and `openssl` binaries (scripts/stack.sh
 * installs them); without them these tests fail, they never skip.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../../src/registry/client.js';
import { resolveCredentials, type Credentials } from '../../src/registry/credentials.js';
import { RegistryError } from '../../src/registry/errors.js';
import { pushImage, putTag } from '../../src/registry/push.js';
import { listTags, plainRequest } from '../stack/http.js';
import { readBackImage } from '../stack/read-back.js';
import { startBasicAuthRegistry, startTokenAuthRegistry, type BasicAuthRegistry, type TokenAuthRegistry } from '../stack/registries.js';
import type { TokenAlgorithm } from '../stack/token-service.js';
import { makeFixtureImage, type FixtureImage } from './fixtures.js';

const run = randomBytes(4).toString('hex');
const TAG = 'e2e';
let work: string;
let image: FixtureImage;
const clients: RegistryClient[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'multiarch-auth-e2e-'));
  image = await makeFixtureImage(join(work, 'layout'));
});

afterAll(async () => {
  for (const client of clients) client.close();
  await rm(work, { recursive: true, force: true });
});

/** Credentials for `registry` as resolveCredentials finds them with DOCKER_CONFIG pointing at a fresh config.json. */
async function credentialsFromDockerConfig(
  registry: string,
  entry: Record<string, string>,
  onSecret: (value: string) => void
): Promise<Credentials | undefined> {
  const dir = await mkdtemp(join(work, 'docker-config-'));
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [registry]: entry } }), { mode: 0o600 });
  const saved = process.env['DOCKER_CONFIG'];
  process.env['DOCKER_CONFIG'] = dir;
  try {
    return await resolveCredentials(registry, { onSecret });
  } finally {
    if (saved === undefined) delete process.env['DOCKER_CONFIG'];
    else process.env['DOCKER_CONFIG'] = saved;
  }
}

function newClient(registry: string, credentials: Credentials | undefined, onSecret: (value: string) => void): RegistryClient {
  const client = new RegistryClient({ registry, credentials, onSecret, retry: { attempts: 2, baseDelayMs: 10 } });
  clients.push(client);
  return client;
}

const basicAuth = (user: string, password: string): string => Buffer.from(`${user}:${password}`).toString('base64');

/** Expect `promise` to fail with a RegistryError; returns it. */
async function registryFailure(promise: Promise<unknown>): Promise<RegistryError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(RegistryError);
  return err as RegistryError;
}

describe('htpasswd Basic auth (real registry)', () => {
  let reg: BasicAuthRegistry;
  const repo = `multiarch-e2e/basic-${run}`;

  beforeAll(async () => {
    reg = await startBasicAuthRegistry();
  });
  afterAll(async () => {
    await reg?.stop();
  });

  test('anonymous requests are refused with the registry message and a hint', async () => {
    const client = newClient(reg.registry, undefined, () => undefined);
    const err = await registryFailure(client.getManifest(repo, TAG));
    expect(err.status).toBe(401);
    expect(err.message).toBe(
      `GET ${reg.url}/v2/${repo}/manifests/${TAG} failed with 401: UNAUTHORIZED: authentication required` +
        ` (no credentials found for ${reg.registry})`
    );
    // A HEAD answer has no body, so there is no registry message to quote; the hint remains.
    const head = await registryFailure(client.headManifest(repo, TAG));
    expect(head.message).toBe(`HEAD ${reg.url}/v2/${repo}/manifests/${TAG} failed with 401: unauthorized (no credentials found for ${reg.registry})`);
  });

  test('pushes, tags and reads back with credentials from DOCKER_CONFIG auths', async () => {
    const secrets = new Set<string>();
    const onSecret = (value: string): void => void secrets.add(value);
    const credentials = await credentialsFromDockerConfig(reg.registry, { auth: basicAuth(reg.username, reg.password) }, onSecret);
    expect(credentials).toEqual({ username: reg.username, password: reg.password });
    expect(secrets).toContain(reg.password);
    expect(secrets).toContain(basicAuth(reg.username, reg.password));

    const client = newClient(reg.registry, credentials, onSecret);
    const stats = await pushImage(image.layout, image.root, { client, repo });
    expect(stats).toMatchObject({ blobsPushed: image.blobs.length, manifestsPushed: image.manifests.length });
    expect(await putTag(client, repo, TAG, image.indexBytes, image.root.mediaType)).toBe(image.root.digest);
    await readBackImage(client, repo, image, TAG);
  });

  test('a wrong password fails with the registry message, masked, no crash', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const secrets = new Set<string>();
    const onSecret = (value: string): void => void secrets.add(value);
    const credentials = await credentialsFromDockerConfig(reg.registry, { username: reg.username, password: wrong }, onSecret);
    expect(secrets).toContain(wrong);

    const client = newClient(reg.registry, credentials, onSecret);
    const err = await registryFailure(pushImage(image.layout, image.root, { client, repo: `${repo}-wrong` }));
    // The push starts with a HEAD, whose 401 has no body: status and hint, no registry message.
    expect(err.status).toBe(401);
    expect(err.message).toMatch(new RegExp(`^HEAD ${reg.url}/v2/${repo}-wrong/blobs/sha256:[0-9a-f]{64} failed with 401: unauthorized`));
    expect(err.message).toContain(`(the credentials for ${reg.registry} were not accepted for this request)`);
    // A GET carries the registry's own message.
    const read = await registryFailure(client.getManifest(repo, TAG));
    expect(read.message).toBe(
      `GET ${reg.url}/v2/${repo}/manifests/${TAG} failed with 401: UNAUTHORIZED: authentication required` +
        ` (the credentials for ${reg.registry} were not accepted for this request)`
    );
    for (const e of [err, read]) {
      expect(e.message).not.toContain(wrong);
      expect(e.message).not.toContain(basicAuth(reg.username, wrong));
    }
    expect(await listTags(reg.url, `${repo}-wrong`).catch((e: Error) => e.message)).toMatch(/answered 401/);
  });
});

describe.each<TokenAlgorithm>(['RS256', 'ES256'])('Docker token auth, %s JWTs (real registry)', (algorithm) => {
  let reg: TokenAuthRegistry;
  const repo = `multiarch-e2e/token-${algorithm.toLowerCase()}-${run}`;
  const identityToken = `idt-${randomBytes(12).toString('hex')}`;
  const reader = { username: 'reader', password: `pw-${randomBytes(8).toString('hex')}` };

  beforeAll(async () => {
    reg = await startTokenAuthRegistry({
      algorithm,
      users: { [reader.username]: reader.password },
      identityTokens: { [identityToken]: 'multiarch' },
      grant: (account, scope) => (account === reader.username ? scope.actions.filter((a) => a === 'pull') : scope.actions)
    });
  });
  afterAll(async () => {
    await reg?.stop();
  });

  test('anonymous requests are refused with the token service message', async () => {
    const client = newClient(reg.registry, undefined, () => undefined);
    const err = await registryFailure(client.headManifest(repo, TAG));
    expect(err.status).toBe(401);
    expect(err.message).toContain(`${reg.tokens.realm} failed with 401: UNAUTHORIZED: authentication required`);
    expect(reg.tokens.issued).toHaveLength(0);
  });

  test('pushes, tags and reads back with a bearer token for DOCKER_CONFIG credentials', async () => {
    const secrets = new Set<string>();
    const onSecret = (value: string): void => void secrets.add(value);
    const credentials = await credentialsFromDockerConfig(reg.registry, { username: reg.username, password: reg.password }, onSecret);
    expect(credentials).toEqual({ username: reg.username, password: reg.password });

    const client = newClient(reg.registry, credentials, onSecret);
    await pushImage(image.layout, image.root, { client, repo });
    expect(await putTag(client, repo, TAG, image.indexBytes, image.root.mediaType)).toBe(image.root.digest);
    await readBackImage(client, repo, image, TAG);

    const issued = reg.tokens.issued.filter((t) => t.account === reg.username && t.via === 'basic');
    expect(issued.length).toBeGreaterThan(0);
    expect(issued.flatMap((t) => t.requested)).toContain(`repository:${repo}:pull,push`);
    // Every token the service handed out went to onSecret (the action masks them).
    for (const t of issued) expect(secrets).toContain(t.token);
    expect(secrets).toContain(reg.password);
  });

  test('the registry checks the JWT signature (a tampered token is refused)', async () => {
    const issued = reg.tokens.issued.find((t) => t.requested.includes(`repository:${repo}:pull,push`));
    expect(issued).toBeDefined();
    const token = issued?.token ?? '';
    const url = `${reg.url}/v2/${repo}/manifests/${TAG}`;
    const headers = (bearer: string) => ({ authorization: `Bearer ${bearer}`, accept: image.root.mediaType });
    expect((await plainRequest(url, { headers: headers(token) })).status).toBe(200);
    const [head, claims, sig] = token.split('.');
    const signature = Buffer.from(sig ?? '', 'base64url');
    signature[signature.length - 1] = (signature[signature.length - 1] ?? 0) ^ 1;
    const tampered = await plainRequest(url, { headers: headers(`${head}.${claims}.${signature.toString('base64url')}`) });
    expect(tampered.status).toBe(401);
    expect(tampered.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  test('an identity token from DOCKER_CONFIG is exchanged with the refresh_token grant', async () => {
    const secrets = new Set<string>();
    const onSecret = (value: string): void => void secrets.add(value);
    const credentials = await credentialsFromDockerConfig(reg.registry, { identitytoken: identityToken }, onSecret);
    expect(secrets).toContain(identityToken);

    const client = newClient(reg.registry, credentials, onSecret);
    await readBackImage(client, repo, image, TAG);
    const issued = reg.tokens.issued.filter((t) => t.via === 'refresh_token');
    expect(issued.length).toBeGreaterThan(0);
    for (const t of issued) expect(secrets).toContain(t.token);
  });

  test('a wrong password fails with the token service message, masked, no crash', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const secrets = new Set<string>();
    const onSecret = (value: string): void => void secrets.add(value);
    const credentials = await credentialsFromDockerConfig(reg.registry, { auth: basicAuth(reg.username, wrong) }, onSecret);
    expect(secrets).toContain(wrong);

    const before = reg.tokens.issued.length;
    const client = newClient(reg.registry, credentials, onSecret);
    const err = await registryFailure(pushImage(image.layout, image.root, { client, repo: `${repo}-wrong` }));
    expect(err.status).toBe(401);
    expect(err.message).toContain(`${reg.tokens.realm} failed with 401: UNAUTHORIZED: incorrect username or password`);
    expect(err.message).not.toContain(wrong);
    expect(reg.tokens.issued.length).toBe(before);
    expect(reg.tokens.refused.some((r) => r.reason === 'incorrect username or password')).toBe(true);
  });

  test('a token granting only pull reads, and a push is refused by the registry', async () => {
    const onSecret = (): void => undefined;
    const credentials = await credentialsFromDockerConfig(reg.registry, { username: reader.username, password: reader.password }, onSecret);
    const client = newClient(reg.registry, credentials, onSecret);
    await readBackImage(client, repo, image, TAG);

    const err = await registryFailure(putTag(client, repo, 'reader-was-here', image.indexBytes, image.root.mediaType));
    expect(err.status).toBe(401);
    expect(err.message).toContain('UNAUTHORIZED');
    expect(err.message).toContain(`the credentials for ${reg.registry} were not accepted`);
    expect(reg.tokens.issued.filter((t) => t.account === reader.username).every((t) => t.access.every((a) => a.actions.join() === 'pull'))).toBe(true);
    // Nothing was tagged.
    await expect(client.headManifest(repo, 'reader-was-here')).resolves.toBeUndefined();
  });
});
