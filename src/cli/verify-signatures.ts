/**
 * `multiarch verify REF --signatures`: every platform manifest of REF's index, and the index
 * itself, must carry a Sigstore bundle that verifies for the expected identity (referrers API,
 * or the referrers tag index on a registry without it). Attestation manifests are not images
 * and are not asked for a signature.
 */
import { RegistryClient } from '../registry/client.js';
import { resolveCredentials } from '../registry/credentials.js';
import { parseManifest } from '../registry/manifest.js';
import { parseReference } from '../registry/reference.js';
import { formatPlatform } from '../platform.js';
import { checkSignatures } from '../sign/image.js';
import { loadTrustMaterial } from '../sign/verify.js';
import { isAttestation } from '../types/oci.js';
import type { IdentityPolicy, SignatureCheck } from '../types/sign.js';

export async function verifySignatures(ref: string, policy: IdentityPolicy, trustedRootPath: string | undefined, onSecret: (v: string) => void): Promise<SignatureCheck[]> {
  if (ref.startsWith('oci-layout://')) throw new Error('--signatures needs a registry reference: signatures are referrers in a registry, not in a layout');
  const parsed = parseReference(ref);
  const credentials = await resolveCredentials(parsed.registry, { onSecret });
  const client = new RegistryClient({ registry: parsed.registry, credentials, onSecret });
  try {
    const trust = await loadTrustMaterial(trustedRootPath);
    const root = await client.getManifest(parsed.repository, parsed.digest ?? parsed.tag ?? 'latest');
    const doc = parseManifest(root.bytes, root.mediaType, ref);
    const targets: Array<{ digest: string; platform?: string }> = [{ digest: root.digest }];
    if (doc.kind === 'index') {
      for (const d of doc.index.manifests) if (!isAttestation(d)) targets.push({ digest: d.digest, platform: d.platform ? formatPlatform(d.platform) : 'unknown' });
    }
    const checks: SignatureCheck[] = [];
    for (const t of targets) checks.push(await checkSignatures(client, parsed.repository, t, policy, trust));
    return checks;
  } finally {
    client.close();
  }
}
