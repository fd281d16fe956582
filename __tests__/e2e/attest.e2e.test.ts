/**
 * `attest: true`, run as a runner does (dist/index.js main + post) on the real stack: GitHub
 * artifact attestations (SLSA build provenance) of exactly the verified digests.
 *
 * Stand-ins: the Sigstore instance and the Actions ID-token endpoint (__tests__/stack/sigstore.ts,
 * id-token.ts) and GitHub's attestations API (github-api.ts), which records each request as sent.
 * The registry is the real one on :5000 (no referrers API: the referrers tag schema).
 *
 *   A  2 platforms, attest + attest-push-to-registry → the API gets one attestation per verified
 *      digest (index, amd64, arm64) and nothing else; each bundle verifies for the workflow
 *      identity; each is also a referrer of its digest in the registry
 *   B  GOARCH hardcoded (arm64 ships an x86-64 binary) → nothing attested, nothing stored, no tag
 *   C  the API refuses (a token without attestations: write) → the step fails, no tag moves
 * The OIDC token, the request token and the github-token appear nowhere the runs wrote.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RegistryClient } from '../../src/registry/client.js';
import { listReferrers } from '../../src/registry/referrers.js';
import { bundleProblem, loadTrustMaterial } from '../../src/sign/verify.js';
import { SigstoreMediaType } from '../../src/types/sign.js';
import { startGitHubApiStandIn, type GitHubApiStandIn } from '../stack/github-api.js';
import { startIdTokenStandIn, type IdTokenStandIn } from '../stack/id-token.js';
import { startSigstoreStandIn, type SigstoreStandIn } from '../stack/sigstore.js';
import { BASE_CONTEXTS, REGISTRY, ROOT, registryManifest, requireRegistry, requireStack, runAction, uniqueTag, type ActionRun } from './harness.js';
import { secretLeaks } from './leaks.js';

const ISSUER = 'https://token.actions.githubusercontent.com';
const SLSA = 'https://slsa.dev/provenance/v1';
const REPOSITORY = 'octo-org/multiarch-demo';
const NO_PROXY = { HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '', ALL_PROXY: '', all_proxy: '', NO_PROXY: '127.0.0.1,localhost' };
const GOOD = path.join('examples', 'go-cross');
const BROKEN = path.join('__tests__', 'e2e', 'fixtures', 'broken', 'goarch-hardcoded');
const GITHUB_TOKEN = `ghs_${randomBytes(18).toString('base64url')}`;

let ids: IdTokenStandIn;
let sigstore: SigstoreStandIn;
let api: GitHubApiStandIn;
const runs: ActionRun[] = [];

async function run(extra: Record<string, string>): Promise<ActionRun> {
  const r = await runAction(
    {
      network: 'host',
      'build-contexts': `${BASE_CONTEXTS}\nsrc=${path.join(ROOT, GOOD)}`,
      platforms: 'linux/amd64,linux/arm64',
      context: GOOD,
      push: 'true',
      provenance: 'false',
      sign: 'false',
      attest: 'true',
      'attest-push-to-registry': 'true',
      'github-token': GITHUB_TOKEN,
      'sigstore-fulcio-url': sigstore.url,
      'sigstore-rekor-url': sigstore.url,
      'sigstore-tsa-url': sigstore.url,
      'sigstore-trusted-root': sigstore.trustedRootPath,
      ...extra
    },
    { ...NO_PROXY, ...ids.env, GITHUB_REPOSITORY: REPOSITORY, GITHUB_SERVER_URL: 'https://github.com', GITHUB_API_URL: api.url }
  );
  runs.push(r);
  return r;
}

/** The in-toto statement a posted bundle signs. */
function statementOf(bundle: any): any {
  return JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
}

function posts(): Array<{ authorization?: string; bundle: any }> {
  return api.requests.filter((r) => r.method === 'POST').map((r) => ({ ...(r.authorization ? { authorization: r.authorization } : {}), bundle: r.body?.bundle }));
}

function explain(r: ActionRun): string {
  return `exit ${r.main.code}\n${r.main.stdout.split('\n').slice(-40).join('\n')}\n${r.main.stderr.slice(-2000)}`;
}

beforeAll(async () => {
  requireStack();
  await requireRegistry();
  ids = await startIdTokenStandIn({ repository: REPOSITORY });
  sigstore = await startSigstoreStandIn({ oidcKeys: [ids.publicKey] });
  api = await startGitHubApiStandIn({ token: GITHUB_TOKEN, repository: REPOSITORY });
});
afterAll(async () => {
  await api?.close();
  await sigstore?.close();
  await ids?.close();
  for (const r of runs) fs.rmSync(r.runnerTemp, { recursive: true, force: true });
});

describe('A: a verified 2-platform push is attested (API and registry)', () => {
  const repo = 'e2e/attest';
  const tag = uniqueTag('attest');
  let r: ActionRun;
  let verified: string[];
  let sent: ReturnType<typeof posts>;

  beforeAll(async () => {
    const before = posts().length;
    r = await run({ tags: `${REGISTRY}/${repo}:${tag}` });
    sent = posts().slice(before);
    const platforms = JSON.parse(r.main.outputs['platforms'] ?? '[]') as Array<{ digest: string; verified: boolean }>;
    verified = [r.main.outputs['digest'] ?? '', ...platforms.filter((p) => p.verified).map((p) => p.digest)];
  }, 1_200_000);

  test('the step succeeds and the tag moves', async () => {
    expect(r.main.code === 0 ? '' : explain(r)).toBe('');
    expect(verified).toHaveLength(3);
    expect((await registryManifest(repo, tag))?.digest).toBe(verified[0]);
  });

  test('the API received one attestation per verified digest, and its subjects are exactly those digests, named as gh names the image', () => {
    expect(sent).toHaveLength(3);
    const subjects = sent.map((p) => statementOf(p.bundle).subject);
    for (const s of subjects) expect(s).toHaveLength(1);
    expect(subjects.map((s) => `sha256:${s[0].digest.sha256}`).sort()).toEqual([...verified].sort());
    expect(new Set(subjects.map((s) => s[0].name))).toEqual(new Set([`${REGISTRY}/${repo}`]));
    for (const p of sent) expect(p.authorization).toBe(`token ${GITHUB_TOKEN}`);
  });

  test('each statement is SLSA v1 provenance of this workflow run', () => {
    for (const p of sent) {
      const st = statementOf(p.bundle);
      expect(st._type).toBe('https://in-toto.io/Statement/v1');
      expect(st.predicateType).toBe(SLSA);
      expect(st.predicate.buildDefinition.buildType).toBe('https://actions.github.io/buildtypes/workflow/v1');
      expect(st.predicate.buildDefinition.externalParameters.workflow).toEqual({ ref: 'refs/heads/main', repository: `https://github.com/${REPOSITORY}`, path: '.github/workflows/release.yml' });
      expect(st.predicate.runDetails.builder.id).toBe(`https://github.com/${REPOSITORY}/.github/workflows/release.yml@refs/heads/main`);
      expect(st.predicate.runDetails.metadata.invocationId).toBe(`https://github.com/${REPOSITORY}/actions/runs/4242/attempts/1`);
    }
  });

  test('each bundle verifies with @sigstore/verify for the workflow identity, and not for another digest or identity', async () => {
    const trust = await loadTrustMaterial(sigstore.trustedRootPath);
    for (const p of sent) {
      const digest = `sha256:${statementOf(p.bundle).subject[0].digest.sha256}`;
      const bytes = Buffer.from(JSON.stringify(p.bundle));
      expect(bundleProblem(bytes, digest, { identity: ids.identity, issuer: ISSUER }, trust, SLSA)).toBeUndefined();
      const other = verified.find((d) => d !== digest)!;
      expect(bundleProblem(bytes, other, { identity: ids.identity, issuer: ISSUER }, trust, SLSA)).toMatch(/not sha256:/);
      expect(bundleProblem(bytes, digest, { identity: 'https://github.com/evil/repo/.github/workflows/x.yml@refs/heads/main', issuer: ISSUER }, trust, SLSA)).toBeTruthy();
    }
  });

  test('each bundle is also a referrer of its digest in the registry (tag schema), byte for byte what the API got', async () => {
    const client = new RegistryClient({ registry: REGISTRY });
    try {
      for (const p of sent) {
        const digest = `sha256:${statementOf(p.bundle).subject[0].digest.sha256}`;
        const { manifests, via } = await listReferrers(client, repo, digest, SigstoreMediaType.BundleV03);
        expect(via).toBe('tag-schema');
        // The build is reproducible: an earlier run of this test attested the same digests, and its referrers stay listed.
        const holding: string[] = [];
        for (const m of manifests.filter((x) => x.annotations?.['dev.sigstore.bundle.predicateType'] === SLSA)) {
          const manifest = JSON.parse((await client.getManifest(repo, m.digest)).bytes.toString('utf8'));
          expect(manifest.subject.digest).toBe(digest);
          const blob = await client.getBlob(repo, manifest.layers[0].digest, manifest.layers[0].size);
          if (JSON.stringify(JSON.parse(blob.toString('utf8'))) === JSON.stringify(p.bundle)) holding.push(m.digest);
        }
        const out = JSON.parse(r.main.outputs['attestations'] ?? '{}') as Record<string, { referrer: string }>;
        expect(holding).toEqual([out[digest]!.referrer]);
      }
    } finally {
      client.close();
    }
  });

  test('outputs: attestations maps each verified digest to its id, page and referrer; verify-commands has the gh line', () => {
    const out = JSON.parse(r.main.outputs['attestations'] ?? '{}') as Record<string, { id: string; url: string; referrer: string }>;
    expect(Object.keys(out).sort()).toEqual([...verified].sort());
    for (const [digest, a] of Object.entries(out)) {
      expect(api.bySubject.get(digest)?.map((x) => String(x.id))).toEqual([a.id]);
      expect(a.url).toBe(`https://github.com/${REPOSITORY}/attestations/${a.id}`);
      expect(a.referrer).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
    expect(r.main.outputs['verify-commands']).toBe(`gh attestation verify oci://${REGISTRY}/${repo}:${tag} -R ${REPOSITORY} --custom-trusted-root ${sigstore.trustedRootPath}`);
    expect(r.main.summary).toContain(`**Attested** as \`${ids.identity}\`: SLSA build provenance for 3 digests`);
    for (const d of verified) expect(r.main.summary).toMatch(new RegExp(`\\| \`${d}\` \\| \\[${out[d]!.id}\\]\\(https://github.com/${REPOSITORY}/attestations/${out[d]!.id}\\) \\| \`${out[d]!.referrer}\` \\|`));
  });
});

describe('B: a run that fails verification attests nothing', () => {
  const repo = 'e2e/attest-broken';
  const tag = uniqueTag('broken');
  let r: ActionRun;
  let postsBefore: number;
  beforeAll(async () => {
    postsBefore = posts().length;
    r = await run({ tags: `${REGISTRY}/${repo}:${tag}`, context: BROKEN });
  }, 1_200_000);

  test('verification fails on arm64: no request reaches the API, no referrer, no tag', async () => {
    expect(r.main.code).not.toBe(0);
    expect(posts().length).toBe(postsBefore);
    expect(r.main.outputs['attestations']).toBe('{}');
    expect(r.main.summary).toContain('**Not attested:** verification failed: nothing attested');
    expect(await registryManifest(repo, tag)).toBeUndefined();
    const client = new RegistryClient({ registry: REGISTRY });
    try {
      const platforms = JSON.parse(r.main.outputs['platforms'] ?? '[]') as Array<{ digest: string }>;
      const digests = [r.main.outputs['digest']!, ...platforms.map((p) => p.digest)];
      expect(digests[0]).toMatch(/^sha256:/);
      for (const d of digests) expect((await listReferrers(client, repo, d)).manifests).toEqual([]);
    } finally {
      client.close();
    }
  });
});

describe('C: the API refuses the token', () => {
  const repo = 'e2e/attest-forbidden';
  const tag = uniqueTag('forbidden');
  let r: ActionRun;
  beforeAll(async () => {
    api.forbid(true);
    try {
      r = await run({ tags: `${REGISTRY}/${repo}:${tag}`, 'attest-push-to-registry': 'false' });
    } finally {
      api.forbid(false);
    }
  }, 1_200_000);

  test('the step fails naming the permission, and under verify strict no tag moves', async () => {
    expect(r.main.code).not.toBe(0);
    expect(r.main.stdout).toMatch(/::error::attest is true, but attestation failed: POST http:\/\/127\.0\.0\.1:\d+\/repos\/octo-org\/multiarch-demo\/attestations: HTTP 403 .*attestations: write.*; no tag moved/);
    expect(await registryManifest(repo, tag)).toBeUndefined();
  });
});

test('the OIDC token, the request token and the github-token appear in no log, summary, output, state or file the runs left', () => {
  expect(runs.length).toBe(3);
  const secrets = [GITHUB_TOKEN, ids.requestToken, ...ids.issued.map((i) => i.token)];
  expect(ids.issued.length).toBeGreaterThanOrEqual(2);
  const found = secretLeaks(runs, secrets, {
    // Nor in what was sent to GitHub (the bundles carry a certificate, never the token).
    'API requests': JSON.stringify(api.requests.map((q) => q.body))
  });
  expect(found).toEqual([]);
  expect(runs[0]!.main.stdout).toContain(`::add-mask::${ids.issued[0]!.token}`);
});
