/**
 * Image signatures in a registry: sign a digest and store its bundle as a referrer in each
 * repository the image went to; find a digest's bundles again and check each for an identity.
 * The referrer is what cosign v3 writes for `cosign sign` (README "Supply chain").
 */
import type { TrustMaterial } from '@sigstore/verify';
import type { RegistryClient } from '../registry/client.js';
import { parseManifest } from '../registry/manifest.js';
import type { RepositoryTarget } from '../registry/push.js';
import { attachReferrer, listReferrers, type ReferrerArtifact } from '../registry/referrers.js';
import type { Descriptor } from '../types/oci.js';
import { BundleAnnotation, COSIGN_SIGN_PREDICATE, SigstoreMediaType, type IdentityPolicy, type SignatureCheck, type SignedEntry } from '../types/sign.js';
import { signImageDigest, type KeylessSigner, type SignedBundle } from './signer.js';
import { bundleProblem } from './verify.js';

/** A digest to sign: its descriptor (the referrer's subject) and the platform it is, if any. */
export interface SignTarget {
  descriptor: Descriptor;
  platform?: string;
}

/**
 * The referrer artifact for a DSSE bundle, annotated as cosign (a signature) and
 * actions/attest-build-provenance (an attestation, with its predicate type) store theirs.
 */
export function signatureArtifact(bundle: Buffer, created: Date, predicateType: string = COSIGN_SIGN_PREDICATE): ReferrerArtifact {
  return {
    artifactType: SigstoreMediaType.BundleV03,
    blob: bundle,
    blobMediaType: SigstoreMediaType.BundleV03,
    annotations: {
      [BundleAnnotation.Created]: created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      [BundleAnnotation.Content]: 'dsse-envelope',
      [BundleAnnotation.PredicateType]: predicateType
    }
  };
}

/**
 * Sign `target` and attach the bundle to it in every repository. `check` sees the bundle before
 * anything is stored and may refuse it (the stage checks it verifies for the run's identity).
 */
export async function signAndStore(signer: KeylessSigner, target: SignTarget, repos: RepositoryTarget[], check?: (bundle: SignedBundle) => string | undefined): Promise<SignedEntry> {
  const { digest } = target.descriptor;
  const bundle = await signImageDigest(signer, digest);
  const problem = check?.(bundle);
  if (problem) throw new Error(`the new signature of ${digest} does not verify: ${problem}`);
  // One artifact, so the referrer has the same digest in every repository.
  const artifact = signatureArtifact(bundle.bytes, new Date());
  let first: SignedEntry | undefined;
  for (const { client, repo } of repos) {
    const attached = await attachReferrer(client, repo, target.descriptor, artifact);
    first ??= {
      digest,
      referrer: attached.descriptor.digest,
      via: attached.via,
      ...(target.platform ? { platform: target.platform } : {}),
      ...(bundle.tlogIndex ? { tlogIndex: bundle.tlogIndex } : {}),
      ...(bundle.timestamped ? { timestamped: true } : {})
    };
  }
  if (!first) throw new Error('no repository to store the signature in');
  return first;
}

/** Every bundle referring to `digest` in `repo`, each checked against the policy; ok when one verifies. */
export async function checkSignatures(client: RegistryClient, repo: string, target: { digest: string; platform?: string }, policy: IdentityPolicy, trust: TrustMaterial): Promise<SignatureCheck> {
  const { manifests, via } = await listReferrers(client, repo, target.digest, SigstoreMediaType.BundleV03);
  const verified: string[] = [];
  const problems: string[] = [];
  for (const d of manifests) {
    try {
      const fetched = await client.getManifest(repo, d.digest, d.size);
      const parsed = parseManifest(fetched.bytes, fetched.mediaType, `${repo}@${d.digest}`);
      if (parsed.kind !== 'manifest') throw new Error('an index, not a bundle manifest');
      if (parsed.manifest.subject?.digest !== target.digest) throw new Error(`its subject is ${parsed.manifest.subject?.digest ?? 'missing'}`);
      const layer = parsed.manifest.layers.find((l) => l.mediaType.startsWith('application/vnd.dev.sigstore.bundle'));
      if (!layer) throw new Error('no Sigstore bundle layer');
      const problem = bundleProblem(await client.getBlob(repo, layer.digest, layer.size), target.digest, policy, trust);
      if (problem) throw new Error(problem);
      verified.push(d.digest);
    } catch (err) {
      problems.push(`${d.digest}: ${(err as Error).message}`);
    }
  }
  if (manifests.length === 0) problems.push(`no signature found (looked in the ${via === 'referrers-api' ? 'referrers API' : 'referrers tag index'})`);
  return { digest: target.digest, ...(target.platform ? { platform: target.platform } : {}), ok: verified.length > 0, verified, problems, via };
}

/**
 * Reads `target`'s signatures back from every repository the way `cosign verify` finds them and
 * checks one verifies for `policy`; one problem per repository where none does. A registry may
 * accept a referrer and still never list it: that image would carry a signature nobody finds.
 */
export async function confirmStored(repos: RepositoryTarget[], target: { digest: string; platform?: string }, policy: IdentityPolicy, trust: TrustMaterial): Promise<string[]> {
  const problems: string[] = [];
  for (const { client, repo } of repos) {
    const check = await checkSignatures(client, repo, target, policy, trust);
    if (!check.ok) problems.push(`${client.registry}/${repo}: ${check.problems.join('; ')}`);
  }
  return problems;
}
