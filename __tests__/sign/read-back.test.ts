/**
 * After storing, each signature is read back the way `cosign verify` finds it (referrers API or
 * tag index) in every repository, and checked for the run's identity. A registry that accepts the
 * referrer but never lists it is caught here instead of leaving an image nobody can verify.
 * Loopback only: the Sigstore, ID-token and referrers-registry stand-ins.
 */
import { RegistryClient } from '../../src/registry/client.js';
import { confirmStored, signAndStore } from '../../src/sign/image.js';
import { fetchIdToken } from '../../src/sign/oidc.js';
import { KeylessSigner } from '../../src/sign/signer.js';
import { loadTrustMaterial } from '../../src/sign/verify.js';
import { GITHUB_ACTIONS_ISSUER } from '../../src/types/sign.js';
import { startIdTokenStandIn, type IdTokenStandIn } from '../stack/id-token.js';
import { startOciRegistryStandIn, type OciRegistryStandIn } from '../stack/oci-registry.js';
import { startSigstoreStandIn, type SigstoreStandIn } from '../stack/sigstore.js';
import { pushSubject, uniqueRepo } from '../registry/referrer-fixtures.js';

let ids: IdTokenStandIn;
let sigstore: SigstoreStandIn;
let good: OciRegistryStandIn;
let lossy: OciRegistryStandIn;
const clients: RegistryClient[] = [];

beforeAll(async () => {
  ids = await startIdTokenStandIn();
  sigstore = await startSigstoreStandIn({ oidcKeys: [ids.publicKey] });
  good = await startOciRegistryStandIn();
  lossy = await startOciRegistryStandIn({ losesReferrers: true });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all([sigstore.close(), ids.close(), good.close(), lossy.close()]);
});

function clientOf(reg: OciRegistryStandIn): RegistryClient {
  const c = new RegistryClient({ registry: reg.registry, retry: { baseDelayMs: 1 } });
  clients.push(c);
  return c;
}

async function signInto(reg: OciRegistryStandIn) {
  const client = clientOf(reg);
  const repo = uniqueRepo('sign/read-back');
  const descriptor = await pushSubject(client, repo);
  const signer = new KeylessSigner({ endpoints: { fulcioURL: sigstore.url, rekorURL: sigstore.url }, identityToken: () => fetchIdToken({ request: { url: ids.url, token: ids.requestToken }, onSecret: () => undefined }) });
  const entry = await signAndStore(signer, { descriptor }, [{ client, repo }]);
  const trust = await loadTrustMaterial(sigstore.trustedRootPath);
  return { entry, problems: await confirmStored([{ client, repo }], { digest: descriptor.digest }, { identity: signer.identity!, issuer: GITHUB_ACTIONS_ISSUER }, trust) };
}

test('a stored signature is found again and verifies for the run\'s identity', async () => {
  const { entry, problems } = await signInto(good);
  expect(entry.via).toBe('referrers-api');
  expect(problems).toEqual([]);
});

test('a registry that answers OCI-Subject but never lists the referrer is a problem, named by repository', async () => {
  const { entry, problems } = await signInto(lossy);
  expect(entry.via).toBe('referrers-api');
  expect(problems).toEqual([expect.stringMatching(new RegExp(`^${lossy.registry.replace(/\./g, '\\.')}/sign/read-back-[^ ]+: no signature found \\(looked in the referrers API\\)$`))]);
});
