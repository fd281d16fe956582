/**
 * OCI 1.1 referrers: an artifact manifest whose `subject` names another manifest, and the two
 * ways a reader finds it again. A registry with the referrers API indexes the subject itself and
 * says so with an `OCI-Subject` header on the PUT; on one without it (docker registry 2.x, the
 * local stack's) the pusher keeps an index under the tag `<alg>-<hex>` (the referrers tag schema).
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pushing-manifests-with-subject
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md#referrers-tag-schema
 */
import { Readable } from 'node:stream';
import { MediaType, type Descriptor, type ImageIndex, type ImageManifest } from '../types/oci.js';
import type { ReferrerVia } from '../types/sign.js';
import type { RegistryClient } from './client.js';
import { digestAlgorithm, digestHex, digestOf } from './digest.js';
import { RegistryError } from './errors.js';
import { parseManifest } from './manifest.js';

/** The OCI empty descriptor's content; an artifact without a config points its config here. */
export const EMPTY_JSON = Buffer.from('{}');
export const EMPTY_DESCRIPTOR: Descriptor = { mediaType: MediaType.OciEmpty, digest: digestOf(EMPTY_JSON), size: EMPTY_JSON.length };

/** What to attach: one blob (a Sigstore bundle, an SBOM) as the artifact's only layer. */
export interface ReferrerArtifact {
  artifactType: string;
  blob: Buffer;
  blobMediaType: string;
  /** Manifest annotations; copied into the tag index's descriptor, as the spec asks. */
  annotations?: Record<string, string>;
}

export interface AttachedReferrer {
  /** The referrer manifest's descriptor (with artifactType and annotations, as a listing shows it). */
  descriptor: Descriptor;
  via: ReferrerVia;
}

/** The referrer manifest for `artifact` about `subject`, as bytes (what is pushed) and parsed. */
export function composeReferrer(subject: Descriptor, artifact: ReferrerArtifact): { manifest: ImageManifest; bytes: Buffer; descriptor: Descriptor } {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    artifactType: artifact.artifactType,
    config: EMPTY_DESCRIPTOR,
    layers: [{ mediaType: artifact.blobMediaType, digest: digestOf(artifact.blob), size: artifact.blob.length }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    ...(artifact.annotations && Object.keys(artifact.annotations).length ? { annotations: artifact.annotations } : {})
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { manifest, bytes, descriptor: listingDescriptor(manifest, bytes) };
}

/** The descriptor a referrers listing gives a manifest: artifactType (or its config's type) and its annotations. */
export function listingDescriptor(manifest: ImageManifest, bytes: Buffer): Descriptor {
  return {
    mediaType: manifest.mediaType ?? MediaType.OciManifest,
    digest: digestOf(bytes),
    size: bytes.length,
    artifactType: manifest.artifactType ?? manifest.config.mediaType,
    ...(manifest.annotations ? { annotations: manifest.annotations } : {})
  };
}

/** The referrers tag for a digest: truncated algorithm, `-`, truncated hex (`sha256-<64 hex>`). */
export function referrersTag(digest: string): string {
  return `${digestAlgorithm(digest).slice(0, 32)}-${digestHex(digest).slice(0, 64)}`.replace(/[^\w.-]/g, '-');
}

/**
 * The tag index with `entry` added, or undefined when it is already listed (no duplicate).
 * Existing entries are kept as they are, whoever wrote them.
 */
export function addToTagIndex(existing: ImageIndex | undefined, entry: Descriptor): ImageIndex | undefined {
  const manifests = existing?.manifests ?? [];
  if (manifests.some((d) => d.digest === entry.digest)) return undefined;
  return { ...(existing ?? {}), schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [...manifests, entry] };
}

/**
 * Push `artifact` as a referrer of `subject`: its blob and the empty config, then the manifest by
 * digest. When the registry does not answer with `OCI-Subject`, the `sha256-<hex>` tag index is
 * read, extended and written back, keeping what was there.
 */
export async function attachReferrer(client: RegistryClient, repo: string, subject: Descriptor, artifact: ReferrerArtifact): Promise<AttachedReferrer> {
  const { bytes, descriptor } = composeReferrer(subject, artifact);
  await pushSmallBlob(client, repo, EMPTY_JSON);
  await pushSmallBlob(client, repo, artifact.blob);
  const put = await client.putManifestDetailed(repo, descriptor.digest, bytes, MediaType.OciManifest);
  if (put.ociSubject) {
    if (put.ociSubject !== subject.digest) throw new Error(`${client.registry}/${repo}: registry answered OCI-Subject ${put.ociSubject} for a referrer of ${subject.digest}`);
    return { descriptor, via: 'referrers-api' };
  }
  const tag = referrersTag(subject.digest);
  const updated = addToTagIndex(await readTagIndex(client, repo, tag), descriptor);
  if (updated) await client.putManifest(repo, tag, Buffer.from(JSON.stringify(updated)), MediaType.OciIndex);
  return { descriptor, via: 'tag-schema' };
}

/**
 * The referrers of `digest` (only those of `artifactType` when given): from the referrers API,
 * or, when it answers 404, from the `sha256-<hex>` tag index; none when neither exists.
 */
export async function listReferrers(client: RegistryClient, repo: string, digest: string, artifactType?: string): Promise<{ manifests: Descriptor[]; via: ReferrerVia }> {
  const api = await client.getReferrers(repo, digest, artifactType);
  const keep = (ds: Descriptor[]) => (artifactType ? ds.filter((d) => d.artifactType === artifactType) : ds);
  if (api) return { manifests: api.filtered ? api.index.manifests : keep(api.index.manifests), via: 'referrers-api' };
  // A tag that holds no valid index means no referrers (the spec's SHOULD); a failed request still fails.
  const index = await readTagIndex(client, repo, referrersTag(digest), { lenient: true });
  return { manifests: keep(index?.manifests ?? []), via: 'tag-schema' };
}

/** The tag index, undefined when the tag does not exist; throws when the tag holds something else, unless lenient. */
async function readTagIndex(client: RegistryClient, repo: string, tag: string, opts: { lenient?: boolean } = {}): Promise<ImageIndex | undefined> {
  let fetched;
  try {
    fetched = await client.getManifest(repo, tag);
  } catch (err) {
    if (err instanceof RegistryError && err.status === 404) return undefined;
    throw err;
  }
  let parsed;
  try {
    parsed = parseManifest(fetched.bytes, fetched.mediaType, `${client.registry}/${repo}:${tag}`);
  } catch (err) {
    if (opts.lenient) return undefined;
    throw err;
  }
  if (parsed.kind !== 'index' && opts.lenient) return undefined;
  if (parsed.kind !== 'index') throw new Error(`${client.registry}/${repo}:${tag} is a manifest, not the referrers index the tag schema expects there; not overwriting it`);
  return parsed.index;
}

async function pushSmallBlob(client: RegistryClient, repo: string, blob: Buffer): Promise<void> {
  const digest = digestOf(blob);
  if (await client.headBlob(repo, digest)) return;
  await client.pushBlob(repo, digest, blob.length, () => Readable.from([blob]));
}
