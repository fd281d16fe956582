/**
 * Checking an image signature bundle: the Sigstore checks (certificate chain to the trusted root,
 * SCT, transparency log entry or timestamp, signature) through @sigstore/verify, the identity
 * and issuer the caller expects, and that the signed statement names exactly this digest.
 */
import * as fs from 'node:fs';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { getTrustedRoot } from '@sigstore/tuf';
import { toSignedEntity, toTrustMaterial, Verifier, type TrustMaterial } from '@sigstore/verify';
import { SigstoreMediaType, type IdentityPolicy } from '../types/sign.js';
import { statementProblem } from './statement.js';

/**
 * The trust material for verification: the trusted_root.json at `path`, or the public-good root
 * from Sigstore's TUF repository (a network fetch, cached by @sigstore/tuf).
 */
export async function loadTrustMaterial(path?: string): Promise<TrustMaterial> {
  if (!path) return toTrustMaterial(await getTrustedRoot());
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the trusted root ${path}: ${(err as Error).message}`);
  }
  return toTrustMaterial(TrustedRoot.fromJSON(json));
}

/**
 * Why `bundleBytes` is not a valid signature of `digest` by `policy`'s identity; undefined when it
 * is. `predicateType` is the statement's (an attestation's is SLSA provenance, not cosign's).
 */
export function bundleProblem(bundleBytes: Buffer, digest: string, policy: IdentityPolicy, trust: TrustMaterial, predicateType?: string): string | undefined {
  let bundle;
  try {
    bundle = bundleFromJSON(JSON.parse(bundleBytes.toString('utf8')));
  } catch (err) {
    return `not a Sigstore bundle: ${(err as Error).message}`;
  }
  if (bundle.content.$case !== 'dsseEnvelope') return 'the bundle holds a message signature, not the DSSE statement an image signature is';
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== SigstoreMediaType.InTotoPayload) return `the DSSE payload type is ${envelope.payloadType}, not ${SigstoreMediaType.InTotoPayload}`;
  const hasTlog = bundle.verificationMaterial.tlogEntries.length > 0;
  // A bundle timestamped only by a TSA (a private instance without Rekor) is verified on its timestamp.
  const verifier = new Verifier(trust, { tlogThreshold: hasTlog ? 1 : 0, ctlogThreshold: 1, timestampThreshold: 1 });
  try {
    verifier.verify(toSignedEntity(bundle), {
      subjectAlternativeName: policy.identity ?? (policy.identityRegexp !== undefined ? new RegExp(policy.identityRegexp) : undefined),
      extensions: { issuer: policy.issuer }
    });
  } catch (err) {
    return (err as Error).message;
  }
  return statementProblem(Buffer.from(envelope.payload), digest, predicateType);
}
