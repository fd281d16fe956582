/**
 * Verified, then signed, run as a runner does (dist/index.js main + post) on the real stack.
 *
 * The Sigstore instance (Fulcio, Rekor, TSA) and the Actions ID-token endpoint are stand-ins
 * (__tests__/stack/sigstore.ts, id-token.ts): neither exists off GitHub or without the internet.
 * The registry is the real one on :5000 (distribution 2.8, no referrers API: the tag-schema path)
 * and, for the referrers-API path, the in-memory OCI 1.1 registry stand-in.
 *
 *   A  2 platforms, sign: true, real registry → index + both platforms signed, tags moved
 *   B  the same image to the referrers-capable stand-in with sign: auto → signed via the API
 *   C  GOARCH hardcoded (arm64 ships an x86-64 binary), sign: true → nothing signed, no tag
 *   D  Fulcio refusing, sign: true → the step fails and no tag moves; sign: auto → warns, tags move
 * Each signature is checked with @sigstore/verify against the stand-in's trusted root, and with
 * `multiarch verify --signatures`; the OIDC token appears nowhere the run wrote.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RegistryClient } from '../../src/registry/client.js';
import { attachReferrer, listReferrers } from '../../src/registry/referrers.js';
import { checkSignatures } from '../../src/sign/image.js';
import { loadTrustMaterial } from '../../src/sign/verify.js';
import { SigstoreMediaType } from '../../src/types/sign.js';
import { startIdTokenStandIn, type IdTokenStandIn } from '../stack/id-token.js';
import { startOciRegistryStandIn, type OciRegistryStandIn } from '../stack/oci-registry.js';
import { startSigstoreStandIn, type SigstoreStandIn } from '../stack/sigstore.js';
import { pushSubject } from '../registry/referrer-fixtures.js';
import { BASE_CONTEXTS, REGISTRY, ROOT, registryManifest, requireRegistry, requireStack, runAction, uniqueTag, type ActionRun } from './harness.js';
import { secretLeaks } from './leaks.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const NO_PROXY = { HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '', ALL_PROXY: '', all_proxy: '', NO_PROXY: '127.0.0.1,localhost' };
const GOOD = path.join('examples', 'go-cross');
const BROKEN = path.join('__tests__', 'e2e', 'fixtures', 'broken', 'goarch-hardcoded');

let ids: IdTokenStandIn;
let sigstore: SigstoreStandIn;
let oci: OciRegistryStandIn;
const runs: ActionRun[] = [];

function inputs(extra: Record<string, string>): Record<string, string> {
  return {
    network: 'host',
    'build-contexts': `${BASE_CONTEXTS}\nsrc=${path.join(ROOT, GOOD)}`,
    platforms: 'linux/amd64,linux/arm64',
    context: GOOD,
    push: 'true',
    provenance: 'false',
    'sigstore-fulcio-url': sigstore.url,
    'sigstore-rekor-url': sigstore.url,
    'sigstore-tsa-url': sigstore.url,
    'sigstore-trusted-root': sigstore.trustedRootPath,
    ...extra
  };
}

async function run(extra: Record<string, string>, env: Record<string, string> = ids.env): Promise<ActionRun> {
  const r = await runAction(inputs(extra), { ...NO_PROXY, GITHUB_REPOSITORY: 'octo-org/multiarch-demo', ...env });
  runs.push(r);
  return r;
}

/** Async: the registry stand-in answers from this process, which a synchronous spawn would block. */
async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const child = spawn(process.execPath, ['bin/multiarch.js', ...args], { env: { ...process.env, ...NO_PROXY }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  clearTimeout(timer);
  return { code, out };
}

/** Lines where signing gave up (a warning under sign: auto), for the failure message. */
function signingFailures(r: ActionRun): string[] {
  return r.main.stdout.split('\n').filter((l) => /signing failed/.test(l));
}

function explain(r: ActionRun): string {
  return `exit ${r.main.code}\n${r.main.stdout.split('\n').slice(-40).join('\n')}\n${r.main.stderr.slice(-2000)}`;
}

beforeAll(async () => {
  requireStack();
  await requireRegistry();
  ids = await startIdTokenStandIn();
  sigstore = await startSigstoreStandIn({ oidcKeys: [ids.publicKey] });
  oci = await startOciRegistryStandIn();
});
afterAll(async () => {
  await oci?.close();
  await sigstore?.close();
  await ids?.close();
  for (const r of runs) fs.rmSync(r.runnerTemp, { recursive: true, force: true });
});

describe('A: a verified 2-platform push is signed (real registry, referrers tag schema)', () => {
  const tag = uniqueTag('signed');
  const ref = `${REGISTRY}/e2e/signed:${tag}`;
  let r: ActionRun;
  let signatures: Record<string, string>;
  let digests: { index: string; platforms: Record<string, string> };

  beforeAll(async () => {
    r = await run({ tags: ref, sign: 'true', 'verify-signatures': 'true' });
    const platforms = JSON.parse(r.main.outputs['platforms'] ?? '[]') as Array<{ platform: string; digest: string }>;
    digests = { index: r.main.outputs['digest'] ?? '', platforms: Object.fromEntries(platforms.map((p) => [p.platform, p.digest])) };
    signatures = JSON.parse(r.main.outputs['signatures'] ?? '{}');
  }, 1_200_000);

  test('the step succeeds, tags move, and the index and both platform digests are signed', async () => {
    expect(r.main.code === 0 ? '' : explain(r)).toBe('');
    expect({ code: r.main.code, signed: r.main.outputs['signed'] }).toEqual({ code: 0, signed: 'true' });
    expect(Object.keys(signatures).sort()).toEqual([digests.index, ...Object.values(digests.platforms)].sort());
    expect((await registryManifest('e2e/signed', tag))?.digest).toBe(digests.index);
    expect(r.main.outputs['verify-commands']).toBe(
      `cosign verify ${REGISTRY}/e2e/signed:${tag}@${digests.index} --certificate-identity-regexp '^https://github\\.com/octo-org/multiarch-demo/\\.github/workflows/release\\.yml@' --certificate-oidc-issuer ${ISSUER} --trusted-root ${sigstore.trustedRootPath}`
    );
    // One Fulcio certificate for the run; each signature logged and timestamped.
    expect(r.main.summary).toMatch(/\*\*Signed\*\* as `https:\/\/github.com\/octo-org\/multiarch-demo\/.github\/workflows\/release.yml@refs\/heads\/main`: 3 digests/);
    for (const d of Object.keys(signatures)) expect(r.main.summary).toMatch(new RegExp(`\\| \`${d}\` \\| \`${signatures[d]}\` \\| referrers tag index \\(sha256-…\\) \\| Rekor #\\d+, TSA timestamp \\|`));

    // verify-signatures: true read every digest back for "a workflow of this repository" before the tag moved.
    expect(r.main.summary).toContain(`**Signatures required** (identity ~ ^https://github\\\\.com/octo-org/multiarch-demo/ (issuer ${ISSUER})): all 3 digests signed, in \`${REGISTRY}/e2e/signed\``);
  });

  test('each bundle verifies with @sigstore/verify for the workflow identity, and not for another identity', async () => {
    const client = new RegistryClient({ registry: REGISTRY });
    const trust = await loadTrustMaterial(sigstore.trustedRootPath);
    try {
      for (const [platform, digest] of [['index', digests.index], ...Object.entries(digests.platforms)] as const) {
        const good = await checkSignatures(client, 'e2e/signed', { digest }, { identity: ids.identity, issuer: ISSUER }, trust);
        expect({ platform, ok: good.ok, via: good.via, verified: good.verified }).toEqual({ platform, ok: true, via: 'tag-schema', verified: [signatures[digest]] });
        const other = await checkSignatures(client, 'e2e/signed', { digest }, { identity: 'https://github.com/mallory/fork/.github/workflows/release.yml@refs/heads/main', issuer: ISSUER }, trust);
        expect(other.ok).toBe(false);
        expect(other.problems.join('\n')).toMatch(/identity|subject alternative name/i);
      }
    } finally {
      client.close();
    }
  });

  test('a bundle attached to another digest is rejected there', async () => {
    const client = new RegistryClient({ registry: REGISTRY });
    const trust = await loadTrustMaterial(sigstore.trustedRootPath);
    try {
      // Copy the index's signature referrer onto an unrelated image: the statement still names the index.
      const { manifests } = await listReferrers(client, 'e2e/signed', digests.index, SigstoreMediaType.BundleV03);
      const fetched = await client.getManifest('e2e/signed', manifests[0]!.digest);
      const layer = (JSON.parse(fetched.bytes.toString('utf8')) as { layers: Array<{ digest: string }> }).layers[0]!;
      const bundle = await client.getBlob('e2e/signed', layer.digest);
      const stranger = await pushSubject(client, 'e2e/signed');
      await attachReferrer(client, 'e2e/signed', stranger, { artifactType: SigstoreMediaType.BundleV03, blob: bundle, blobMediaType: SigstoreMediaType.BundleV03 });
      const check = await checkSignatures(client, 'e2e/signed', { digest: stranger.digest }, { identity: ids.identity, issuer: ISSUER }, trust);
      expect(check.ok).toBe(false);
      expect(check.problems.join('\n')).toContain(`not ${stranger.digest}`);
    } finally {
      client.close();
    }
  });

  test('multiarch verify --signatures finds them through the tag index, and refuses another identity', async () => {
    const ok = await cli(['verify', `${REGISTRY}/e2e/signed:${tag}`, '--signatures', '--certificate-identity-regexp', '^https://github\\.com/octo-org/multiarch-demo/', '--trusted-root', sigstore.trustedRootPath]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/index\s+sha256:\S+\s+ok\s+referrers tag index/);
    expect(ok.out).toMatch(/linux\/arm64\s+sha256:\S+\s+ok\s+referrers tag index/);
    const other = await cli(['verify', `${REGISTRY}/e2e/signed:${tag}`, '--signatures', '--certificate-identity', 'https://github.com/someone/else/.github/workflows/x.yml@refs/heads/main', '--trusted-root', sigstore.trustedRootPath]);
    expect(other.code).toBe(1);
    expect(other.out).toMatch(/index\s+sha256:\S+\s+FAIL/);
  });
});

describe('B: to a registry with the referrers API, sign: auto', () => {
  const tag = uniqueTag('api');
  let r: ActionRun;
  beforeAll(async () => {
    r = await run({ tags: `${oci.registry}/e2e/api:${tag}`, sign: 'auto' });
  }, 1_200_000);

  test('the referrers are indexed by the registry (OCI-Subject), no tag index is written, and verify --signatures finds them through the API', async () => {
    expect(r.main.code === 0 ? '' : explain(r)).toBe('');
    expect(signingFailures(r)).toEqual([]);
    expect({ code: r.main.code, signed: r.main.outputs['signed'] }).toEqual({ code: 0, signed: 'true' });
    const signatures = JSON.parse(r.main.outputs['signatures'] ?? '{}') as Record<string, string>;
    expect(Object.keys(signatures)).toHaveLength(3);
    expect(oci.tags('e2e/api')).toEqual([tag]);
    expect(r.main.summary).toContain('| referrers API |');
    const ok = await cli(['verify', `${oci.registry}/e2e/api:${tag}`, '--signatures', '--certificate-identity', ids.identity, '--trusted-root', sigstore.trustedRootPath]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/linux\/amd64\s+sha256:\S+\s+ok\s+referrers API/);
    expect(oci.requests.some((q) => q.startsWith('GET /v2/e2e/api/referrers/sha256:'))).toBe(true);
  });
});

describe('C: a run that fails verification signs nothing and moves no tag', () => {
  const tag = uniqueTag('broken');
  let r: ActionRun;
  beforeAll(async () => {
    r = await run({ tags: `${REGISTRY}/e2e/signed-broken:${tag}`, sign: 'true', context: BROKEN });
  }, 1_200_000);

  test('verification fails on arm64, nothing is signed, no tag and no referrer exists', async () => {
    expect(r.main.code).not.toBe(0);
    expect(r.main.outputs['signed']).toBe('false');
    expect(r.main.outputs['signatures']).toBe('{}');
    expect(r.main.summary).toContain('**Not signed:** verification failed: nothing signed');
    expect(await registryManifest('e2e/signed-broken', tag)).toBeUndefined();
    const client = new RegistryClient({ registry: REGISTRY });
    try {
      const index = r.main.outputs['digest']!;
      expect(index).toMatch(/^sha256:/);
      const platforms = JSON.parse(r.main.outputs['platforms'] ?? '[]') as Array<{ digest: string }>;
      for (const d of [index, ...platforms.map((p) => p.digest)]) expect((await listReferrers(client, 'e2e/signed-broken', d)).manifests).toEqual([]);
    } finally {
      client.close();
    }
  });
});

describe('E: verify-signatures for someone else, and with nothing signed', () => {
  const tags = { other: uniqueTag('reqsig-other'), unsigned: uniqueTag('reqsig-unsigned') };
  let other: ActionRun;
  let unsigned: ActionRun;
  beforeAll(async () => {
    other = await run({ tags: `${REGISTRY}/e2e/reqsig-other:${tags.other}`, sign: 'true', 'verify-signatures': '^https://github\\.com/someone-else/' });
    unsigned = await run({ tags: `${REGISTRY}/e2e/reqsig-unsigned:${tags.unsigned}`, sign: 'false', 'verify-signatures': 'true' });
  }, 1_200_000);

  test('signed by this workflow, but required from another identity: the step fails and no tag moves', async () => {
    expect(other.main.code).not.toBe(0);
    expect(other.main.outputs['signed']).toBe('true');
    const error = other.main.stdout.split('\n').find((l) => l.startsWith('::error::verify-signatures:')) ?? '';
    expect(error).toContain('::error::verify-signatures: 3 of 3 digests carry no signature for identity ~ ^https://github\\.com/someone-else/ (issuer');
    // Each digest is named with the referrer that was found and why it is not the identity asked for.
    expect(error).toContain(`index ${other.main.outputs['digest']} in ${REGISTRY}/e2e/reqsig-other (sha256:`);
    expect(error).toMatch(/; no tag moved$/);
    expect(await registryManifest('e2e/reqsig-other', tags.other)).toBeUndefined();
    expect(other.main.summary).toContain('**Signatures required, missing**');
  });

  test('nothing signed (sign: false): each digest is named with "no signature found", and no tag moves', async () => {
    expect(unsigned.main.code).not.toBe(0);
    expect(unsigned.main.outputs['signed']).toBe('false');
    const error = unsigned.main.stdout.split('\n').find((l) => l.startsWith('::error::verify-signatures:')) ?? '';
    expect(error).toContain('::error::verify-signatures: 3 of 3 digests carry no signature for identity ~ ^https://github\\.com/octo-org/multiarch-demo/ (issuer');
    expect(error).toContain(`index ${unsigned.main.outputs['digest']} in ${REGISTRY}/e2e/reqsig-unsigned (no signature found (looked in the referrers tag index))`);
    expect(error).toMatch(/; no tag moved$/);
    expect(await registryManifest('e2e/reqsig-unsigned', tags.unsigned)).toBeUndefined();
    const platforms = JSON.parse(unsigned.main.outputs['platforms'] ?? '[]') as Array<{ platform: string; digest: string }>;
    for (const p of platforms) expect(unsigned.main.summary).toContain(`| \`${p.platform}\` | \`${p.digest}\` | \`${REGISTRY}/e2e/reqsig-unsigned\` | no signature found (looked in the referrers tag index) |`);
  });
});

describe('D: Fulcio refusing', () => {
  let required: ActionRun;
  let auto: ActionRun;
  const tags = { required: uniqueTag('fulcio-down'), auto: uniqueTag('fulcio-down-auto') };
  beforeAll(async () => {
    sigstore.failFulcio(true);
    try {
      required = await run({ tags: `${REGISTRY}/e2e/signed-fail:${tags.required}`, sign: 'true' });
      auto = await run({ tags: `${REGISTRY}/e2e/signed-fail:${tags.auto}`, sign: 'auto' });
    } finally {
      sigstore.failFulcio(false);
    }
  }, 1_200_000);

  test('sign: true fails the step and, under verify strict, moves no tag', async () => {
    expect(required.main.code).not.toBe(0);
    expect(required.main.stdout).toMatch(/::error::sign is true, but signing failed: .*; no tag moved/);
    expect(required.main.outputs['signed']).toBe('false');
    expect(await registryManifest('e2e/signed-fail', tags.required)).toBeUndefined();
  });

  test('sign: auto warns and the verified image is still tagged', async () => {
    expect(auto.main.code).toBe(0);
    expect(auto.main.stdout).toMatch(/::warning::signing failed: .*sign: auto, so the run goes on unsigned/);
    expect(auto.main.outputs['signed']).toBe('false');
    expect((await registryManifest('e2e/signed-fail', tags.auto))?.digest).toBe(auto.main.outputs['digest']);
  });
});

test('the OIDC token and the request token appear in no log, summary, output, state or file the runs left', () => {
  expect(runs.length).toBeGreaterThanOrEqual(4);
  const secrets = [ids.requestToken, ...ids.issued.map((i) => i.token)];
  expect(ids.issued.length).toBeGreaterThan(0);
  const found = secretLeaks(runs, secrets);
  expect(found).toEqual([]);
  // The masks were registered: the runner hides the token in its log.
  expect(runs[0]!.main.stdout).toContain(`::add-mask::${ids.requestToken}`);
  expect(runs[0]!.main.stdout).toContain(`::add-mask::${ids.issued[0]!.token}`);
});
