/**
 * TSA timestamps from the stand-in always parse and verify: @sigstore/core reads GeneralizedTime
 * with no fraction or exactly three digits only, and the mock trims trailing zeros (sigstore.ts).
 * Many signatures in a row, so a stamp landing on a round millisecond would show.
 */
import { fetchIdToken } from '../../src/sign/oidc.js';
import { KeylessSigner, signImageDigest } from '../../src/sign/signer.js';
import { bundleProblem, loadTrustMaterial } from '../../src/sign/verify.js';
import { GITHUB_ACTIONS_ISSUER } from '../../src/types/sign.js';
import { startIdTokenStandIn } from '../stack/id-token.js';
import { startSigstoreStandIn } from '../stack/sigstore.js';

test('40 TSA-timestamped signatures all verify', async () => {
  const ids = await startIdTokenStandIn();
  const sigstore = await startSigstoreStandIn({ oidcKeys: [ids.publicKey] });
  try {
    const signer = new KeylessSigner({ endpoints: { fulcioURL: sigstore.url, tsaURL: sigstore.url }, identityToken: () => fetchIdToken({ request: { url: ids.url, token: ids.requestToken }, onSecret: () => undefined }) });
    const trust = await loadTrustMaterial(sigstore.trustedRootPath);
    const problems: string[] = [];
    for (let i = 0; i < 40; i++) {
      const digest = `sha256:${i.toString(16).padStart(2, '0').repeat(32)}`;
      const bundle = await signImageDigest(signer, digest);
      const problem = bundleProblem(bundle.bytes, digest, { identity: ids.identity, issuer: GITHUB_ACTIONS_ISSUER }, trust);
      if (problem) problems.push(`${i}: ${problem}`);
      await new Promise((r) => setTimeout(r, 7));
    }
    expect(problems).toEqual([]);
  } finally {
    await sigstore.close();
    await ids.close();
  }
});
