/**
 * The keyless signer against the Sigstore and ID-token stand-ins (loopback, no Docker): a bundle
 * for an image digest verifies for the workflow identity against the stand-in's trusted root,
 * and is rejected for another identity, another issuer or another digest.
 */
import { fetchIdToken } from '../../src/sign/oidc.js';
import { KeylessSigner, signImageDigest } from '../../src/sign/signer.js';
import { bundleProblem, loadTrustMaterial } from '../../src/sign/verify.js';
import { GITHUB_ACTIONS_ISSUER, SigstoreMediaType } from '../../src/types/sign.js';
import { startIdTokenStandIn, type IdTokenStandIn } from '../stack/id-token.js';
import { startSigstoreStandIn, type SigstoreStandIn } from '../stack/sigstore.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const OTHER = `sha256:${'cd'.repeat(32)}`;
let ids: IdTokenStandIn;
let sigstore: SigstoreStandIn;

beforeAll(async () => {
  ids = await startIdTokenStandIn();
  sigstore = await startSigstoreStandIn({ oidcKeys: [ids.publicKey] });
});
afterAll(async () => {
  await sigstore.close();
  await ids.close();
});

function signer(endpoints: { rekor?: boolean; tsa?: boolean } = { rekor: true }, secrets: string[] = []): KeylessSigner {
  return new KeylessSigner({
    endpoints: { fulcioURL: sigstore.url, ...(endpoints.rekor ? { rekorURL: sigstore.url } : {}), ...(endpoints.tsa ? { tsaURL: sigstore.url } : {}) },
    identityToken: () => fetchIdToken({ request: { url: ids.url, token: ids.requestToken }, onSecret: (v) => secrets.push(v) })
  });
}

test('an image digest signed through Fulcio and Rekor verifies for the workflow identity, and only for it', async () => {
  const secrets: string[] = [];
  const s = signer({ rekor: true }, secrets);
  const bundle = await signImageDigest(s, DIGEST);
  expect(bundle.json.mediaType).toBe(SigstoreMediaType.BundleV03);
  expect(bundle.identity).toBe(ids.identity);
  expect(bundle.tlogIndex).toMatch(/^\d+$/);
  // The request token and the JWT were registered as secrets before use.
  expect(secrets).toEqual([ids.requestToken, ids.issued.at(-1)!.token]);
  expect(ids.issued.at(-1)!.audience).toBe('sigstore');

  const trust = await loadTrustMaterial(sigstore.trustedRootPath);
  expect(bundleProblem(bundle.bytes, DIGEST, { identity: ids.identity, issuer: GITHUB_ACTIONS_ISSUER }, trust)).toBeUndefined();
  expect(bundleProblem(bundle.bytes, DIGEST, { identityRegexp: '^https://github\\.com/octo-org/multiarch-demo/', issuer: GITHUB_ACTIONS_ISSUER }, trust)).toBeUndefined();
  expect(bundleProblem(bundle.bytes, DIGEST, { identity: 'https://github.com/mallory/fork/.github/workflows/x.yml@refs/heads/main', issuer: GITHUB_ACTIONS_ISSUER }, trust)).toMatch(/identity|subject alternative name|SAN/i);
  expect(bundleProblem(bundle.bytes, DIGEST, { identity: ids.identity, issuer: 'https://accounts.google.com' }, trust)).toMatch(/issuer|extension/i);
  expect(bundleProblem(bundle.bytes, OTHER, { identity: ids.identity, issuer: GITHUB_ACTIONS_ISSUER }, trust)).toMatch(/signs sha256:abab.*not sha256:cdcd/);
});

test('one Fulcio certificate serves every signature of a run', async () => {
  const before = sigstore.counts.fulcio;
  const s = signer({ rekor: true });
  const [a, b] = await Promise.all([signImageDigest(s, DIGEST), signImageDigest(s, OTHER)]);
  expect(sigstore.counts.fulcio - before).toBe(1);
  expect(a.json.verificationMaterial.certificate).toEqual(b.json.verificationMaterial.certificate);
});

test('a TSA timestamp alone (no Rekor) gives a bundle that verifies', async () => {
  const bundle = await signImageDigest(signer({ tsa: true }), DIGEST);
  expect(bundle.timestamped).toBe(true);
  expect(bundle.tlogIndex).toBeUndefined();
  const trust = await loadTrustMaterial(sigstore.trustedRootPath);
  expect(bundleProblem(bundle.bytes, DIGEST, { identity: ids.identity, issuer: GITHUB_ACTIONS_ISSUER }, trust)).toBeUndefined();
});

test('a bundle against a trusted root that is not its own is rejected', async () => {
  const bundle = await signImageDigest(signer(), DIGEST);
  const stranger = await startSigstoreStandIn({ oidcKeys: [ids.publicKey] });
  try {
    const trust = await loadTrustMaterial(stranger.trustedRootPath);
    expect(bundleProblem(bundle.bytes, DIGEST, { identity: ids.identity, issuer: GITHUB_ACTIONS_ISSUER }, trust)).toBeDefined();
  } finally {
    await stranger.close();
  }
});

test('Fulcio refusing fails the signing with its message', async () => {
  sigstore.failFulcio(true);
  try {
    await expect(signImageDigest(signer(), DIGEST)).rejects.toThrow(/503|certificate/i);
  } finally {
    sigstore.failFulcio(false);
  }
});

test('a signer with neither Rekor nor a TSA is refused', () => {
  expect(() => signer({})).toThrow(/Rekor URL or a TSA URL/);
});

test('a message (blob) signature is a v0.3 bundle', async () => {
  const bundle = await signer().signMessage(Buffer.from('hello'));
  expect(bundle.json.mediaType).toBe(SigstoreMediaType.BundleV03);
  expect(bundle.json.verificationMaterial.certificate).toBeDefined();
});
