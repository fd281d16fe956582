/**
 * The TypeScript half of `npm run bench:sign` (bench/sign.mjs), bundled with ncc at bench start so
 * the benchmark runs the project's own code from src/ and the test stand-ins:
 *
 *  - setUp: the ID-token and Sigstore stand-ins (Fulcio, Rekor, TSA on loopback) and, optionally,
 *    the referrers-capable OCI registry stand-in.
 *  - pushImage: a 2-platform image (an index and two small platform manifests) pushed with the
 *    project's RegistryClient: what the sign stage finds after verification.
 *  - timeSigning: one run of what the sign stage does for it (src/stages/sign.ts): the ID token,
 *    one Fulcio certificate, a signature per digest (index + 2 platforms) logged in Rekor and
 *    timestamped, each bundle checked against the trusted root, each stored as a referrer.
 */
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { RegistryClient } from '../../src/registry/client.js';
import { digestOf } from '../../src/registry/digest.js';
import { checkSignatures, signAndStore } from '../../src/sign/image.js';
import { fetchIdToken } from '../../src/sign/oidc.js';
import { KeylessSigner } from '../../src/sign/signer.js';
import { bundleProblem, loadTrustMaterial } from '../../src/sign/verify.js';
import { MediaType, type Descriptor, type ImageIndex, type ImageManifest } from '../../src/types/oci.js';
import { GITHUB_ACTIONS_ISSUER } from '../../src/types/sign.js';
import { startIdTokenStandIn, type IdTokenStandIn } from '../../__tests__/stack/id-token.js';
import { startOciRegistryStandIn, type OciRegistryStandIn } from '../../__tests__/stack/oci-registry.js';
import { startSigstoreStandIn, type SigstoreStandIn } from '../../__tests__/stack/sigstore.js';

export interface Stand {
  ids: IdTokenStandIn;
  sigstore: SigstoreStandIn;
  oci: OciRegistryStandIn;
  close(): Promise<void>;
}

export async function setUp(): Promise<Stand> {
  const ids = await startIdTokenStandIn();
  const sigstore = await startSigstoreStandIn({ oidcKeys: [ids.publicKey] });
  const oci = await startOciRegistryStandIn();
  return {
    ids,
    sigstore,
    oci,
    close: async () => {
      await oci.close();
      await sigstore.close();
      await ids.close();
    }
  };
}

export interface PushedImage {
  index: Descriptor;
  platforms: Array<{ platform: string; descriptor: Descriptor }>;
}

/** An index of two one-layer platform manifests, pushed by digest (no tag: the sign stage runs before tags). */
export async function pushImage(registry: string, repo: string, nonce: string): Promise<PushedImage> {
  const client = new RegistryClient({ registry });
  try {
    const put = async (mediaType: string, bytes: Buffer): Promise<Descriptor> => {
      const digest = digestOf(bytes);
      if (!(await client.headBlob(repo, digest))) await client.pushBlob(repo, digest, bytes.length, () => Readable.from([bytes]));
      return { mediaType, digest, size: bytes.length };
    };
    const platforms: PushedImage['platforms'] = [];
    for (const architecture of ['amd64', 'arm64']) {
      const config = await put(MediaType.OciConfig, Buffer.from(JSON.stringify({ architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, nonce })));
      const layer = await put(MediaType.OciLayerGzip, Buffer.from(`${architecture}-${nonce}`));
      const manifest: ImageManifest = { schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [layer] };
      const bytes = Buffer.from(JSON.stringify(manifest));
      await client.putManifest(repo, digestOf(bytes), bytes, MediaType.OciManifest);
      platforms.push({ platform: `linux/${architecture}`, descriptor: { mediaType: MediaType.OciManifest, digest: digestOf(bytes), size: bytes.length, platform: { os: 'linux', architecture } } });
    }
    const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: platforms.map((p) => p.descriptor) };
    const bytes = Buffer.from(JSON.stringify(index));
    await client.putManifest(repo, digestOf(bytes), bytes, MediaType.OciIndex);
    return { index: { mediaType: MediaType.OciIndex, digest: digestOf(bytes), size: bytes.length }, platforms };
  } finally {
    client.close();
  }
}

export interface SigningSample {
  totalMs: number;
  /** Up to the first bundle: ID token + Fulcio certificate + first signature, log and timestamp. */
  firstSignatureMs: number;
  /** Time spent storing referrers (blob uploads, manifest PUTs, tag-index read-modify-write). */
  storeMs: number;
  via: string[];
  fulcio: number;
  rekor: number;
  tsa: number;
  bytesWritten: number;
  bytesRead: number;
  /** verify-signatures afterwards: every digest's referrers listed, fetched and verified for the identity policy. */
  requiredMs: number;
}

/** What the sign stage does for a verified 2-platform push, timed. */
export async function timeSigning(stand: Stand, registry: string, repo: string, image: PushedImage, opts: { rekor: boolean; tsa: boolean }): Promise<SigningSample> {
  const before = { ...stand.sigstore.counts };
  const client = new RegistryClient({ registry });
  const t0 = performance.now();
  let firstSignatureMs = 0;
  let storeMs = 0;
  const via: string[] = [];
  try {
    const trust = await loadTrustMaterial(stand.sigstore.trustedRootPath);
    const signer = new KeylessSigner({
      endpoints: { fulcioURL: stand.sigstore.url, ...(opts.rekor ? { rekorURL: stand.sigstore.url } : {}), ...(opts.tsa ? { tsaURL: stand.sigstore.url } : {}) },
      identityToken: () => fetchIdToken({ request: { url: stand.ids.url, token: stand.ids.requestToken }, onSecret: () => undefined })
    });
    const targets = [{ descriptor: image.index }, ...image.platforms.map((p) => ({ descriptor: p.descriptor, platform: p.platform }))];
    // The client is wrapped to time the storing apart from the signing.
    const timed = new Proxy(client, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const s = performance.now();
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            storeMs += performance.now() - s;
          }
        };
      }
    });
    for (const t of targets) {
      const entry = await signAndStore(signer, t, [{ client: timed, repo }], (b) => bundleProblem(b.bytes, t.descriptor.digest, { identity: signer.identity ?? '', issuer: GITHUB_ACTIONS_ISSUER }, trust));
      if (!firstSignatureMs) firstSignatureMs = performance.now() - t0;
      via.push(entry.via);
    }
    const totalMs = performance.now() - t0;
    const after = stand.sigstore.counts;
    const bytesWritten = client.bytesWritten();
    const bytesRead = client.bytesRead();
    // What `verify-signatures: true` adds before tags move (src/stages/required-signatures.ts): the same reads and checks.
    const r0 = performance.now();
    const policy = { identityRegexp: '^https://github\\.com/', issuer: GITHUB_ACTIONS_ISSUER };
    for (const t of targets) {
      const check = await checkSignatures(client, repo, { digest: t.descriptor.digest }, policy, trust);
      if (!check.ok) throw new Error(`verify-signatures found ${t.descriptor.digest} unsigned: ${check.problems.join('; ')}`);
    }
    const requiredMs = performance.now() - r0;
    return { totalMs, firstSignatureMs, storeMs, via, fulcio: after.fulcio - before.fulcio, rekor: after.rekor - before.rekor, tsa: after.tsa - before.tsa, bytesWritten, bytesRead, requiredMs };
  } finally {
    client.close();
  }
}
