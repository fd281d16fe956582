/**
 * Keyless signing through sigstore-js: an ephemeral P-256 key, a short-lived Fulcio certificate
 * for the run's OIDC identity, and the signature logged in Rekor and/or timestamped by a TSA, all
 * packaged as a Sigstore bundle v0.3. One certificate serves every signature of a run: one
 * identity, one Fulcio request, however many digests are signed.
 * Bundle spec: https://github.com/sigstore/protobuf-specs/blob/main/protos/sigstore_bundle.proto
 */
import { generateKeyPairSync, sign as signBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { bundleToJSON, BUNDLE_V03_MEDIA_TYPE, type Bundle, type SerializedBundle } from '@sigstore/bundle';
import { DSSEBundleBuilder, FulcioSigner, MessageSignatureBundleBuilder, RekorWitness, TSAWitness, type Signature, type Signer, type Witness } from '@sigstore/sign';
import { SigstoreMediaType, type SigstoreEndpoints } from '../types/sign.js';
import { imageSignatureStatement } from './statement.js';

export type { SerializedBundle };

export interface KeylessSignerOptions {
  endpoints: SigstoreEndpoints;
  /** The OIDC token (already registered as a secret). Asked for once, when the certificate is. */
  identityToken: () => Promise<string>;
  /** Per request to Fulcio, Rekor and the TSA. */
  timeoutMs?: number;
  /** Retries per request (sigstore-js retries 5xx and connection failures). */
  retries?: number;
}

/** A signed bundle: the JSON as the bundle spec serialises it, its bytes, and what it holds. */
export interface SignedBundle {
  json: SerializedBundle;
  /** Exactly what is stored (the referrer's layer). */
  bytes: Buffer;
  /** The certificate's SAN: the workflow identity. */
  identity?: string;
  tlogIndex?: string;
  timestamped: boolean;
}

export class KeylessSigner {
  private readonly signer: OneCertificateSigner;
  private readonly witnesses: Witness[];

  constructor(opts: KeylessSignerOptions) {
    const { endpoints } = opts;
    if (!endpoints.rekorURL && !endpoints.tsaURL) {
      // A Fulcio certificate lives ten minutes; without a log entry or a timestamp nobody can later show the signature was made inside them.
      throw new Error('signing needs a Rekor URL or a TSA URL (or both): without one the short-lived certificate cannot be verified later');
    }
    const fetchOptions = { timeout: opts.timeoutMs ?? 30_000, retry: { retries: opts.retries ?? 2 } };
    this.signer = new OneCertificateSigner((keyHolder) =>
      new FulcioSigner({ fulcioBaseURL: endpoints.fulcioURL, identityProvider: { getToken: opts.identityToken }, keyHolder, ...fetchOptions })
    );
    this.witnesses = [
      ...(endpoints.rekorURL ? [new RekorWitness({ rekorBaseURL: endpoints.rekorURL, entryType: 'dsse' as const, ...fetchOptions })] : []),
      ...(endpoints.tsaURL ? [new TSAWitness({ tsaBaseURL: endpoints.tsaURL, ...fetchOptions })] : [])
    ];
  }

  /** The identity of the certificate, once one was issued. */
  get identity(): string | undefined {
    return this.signer.identity;
  }

  /** Sign a DSSE payload (`payloadType` as in the envelope, e.g. `application/vnd.in-toto+json`). */
  async signDsse(payload: Buffer, payloadType: string): Promise<SignedBundle> {
    const builder = new DSSEBundleBuilder({ signer: this.signer, witnesses: this.witnesses, certificateChain: false });
    return this.finish(await wrap(() => builder.create({ data: payload, type: payloadType })));
  }

  /** Sign a blob (a message signature over its SHA-256), as `cosign sign-blob` does. */
  async signMessage(data: Buffer): Promise<SignedBundle> {
    const builder = new MessageSignatureBundleBuilder({ signer: this.signer, witnesses: this.witnesses });
    return this.finish(asV03(await wrap(() => builder.create({ data }))));
  }

  private finish(bundle: Bundle): SignedBundle {
    const json = bundleToJSON(bundle);
    const entry = bundle.verificationMaterial.tlogEntries[0];
    return {
      json,
      bytes: Buffer.from(JSON.stringify(json)),
      ...(this.identity ? { identity: this.identity } : {}),
      ...(entry ? { tlogIndex: entry.logIndex } : {}),
      timestamped: (bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps.length ?? 0) > 0
    };
  }
}

/** Sign an image (manifest or index) digest the way `cosign sign` v3 does: DSSE over an in-toto statement. */
export function signImageDigest(signer: KeylessSigner, digest: string): Promise<SignedBundle> {
  return signer.signDsse(imageSignatureStatement(digest), SigstoreMediaType.InTotoPayload);
}

/**
 * sigstore-js's message-signature builder writes a v0.2 bundle (a one-certificate chain); v0.3
 * holds the leaf as `certificate`. Nothing signed changes, only how the certificate is carried.
 */
function asV03(bundle: Bundle): Bundle {
  const content = bundle.verificationMaterial.content;
  if (content.$case !== 'x509CertificateChain') return bundle;
  const leaf = content.x509CertificateChain.certificates[0];
  if (!leaf) return bundle;
  return { ...bundle, mediaType: BUNDLE_V03_MEDIA_TYPE, verificationMaterial: { ...bundle.verificationMaterial, content: { $case: 'certificate', certificate: leaf } } };
}

/** sigstore-js errors keep the cause apart; one message says both. */
async function wrap<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    const detail = cause instanceof Error && !(err as Error).message.includes(cause.message) ? `: ${cause.message}` : '';
    throw new Error(`${(err as Error).message}${detail}`, { cause: err });
  }
}

/**
 * A Signer that gets one Fulcio certificate for its ephemeral key, on first use, and signs with
 * that key from then on. FulcioSigner alone asks Fulcio again for every signature.
 */
class OneCertificateSigner implements Signer {
  private readonly key = new EphemeralKey();
  private certificate?: Promise<string>;
  identity?: string;

  constructor(private readonly fulcio: (keyHolder: Signer) => FulcioSigner) {}

  async sign(data: Buffer): Promise<Signature> {
    this.certificate ??= this.fulcio(this.key)
      .sign(data)
      .then((s) => {
        if (s.key.$case !== 'x509Certificate') throw new Error('Fulcio returned no certificate');
        this.identity = certificateIdentity(s.key.certificate);
        return s.key.certificate;
      });
    const certificate = await this.certificate;
    return { signature: this.key.signRaw(data), key: { $case: 'x509Certificate', certificate } };
  }
}

class EphemeralKey implements Signer {
  private readonly pair: { privateKey: KeyObject; publicKey: KeyObject } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  signRaw(data: Buffer): Buffer {
    return signBytes('sha256', data, this.pair.privateKey);
  }

  async sign(data: Buffer): Promise<Signature> {
    return { signature: this.signRaw(data), key: { $case: 'publicKey', publicKey: this.pair.publicKey.export({ format: 'pem', type: 'spki' }).toString() } };
  }
}

/** The first URI (or email) SAN of a PEM certificate: what `--certificate-identity` matches. */
export function certificateIdentity(pem: string): string | undefined {
  const san = new X509Certificate(pem).subjectAltName ?? '';
  const m = /(?:^|,\s*)(?:URI|email):([^,]+)/.exec(san);
  return m?.[1]?.trim();
}
