/**
 * Push an image graph (usually from an OCI layout) to a registry by digest: blobs first, each
 * only if the registry lacks it (mounted from a sibling repository when one has it), then child
 * manifests, then the root. Nothing is tagged here: tags move only after verification.
 */
import { isAttestation, type Descriptor } from '../types/oci.js';
import type { RegistryClient } from './client.js';
import { createLimiter } from './limit.js';
import { isForeignLayer, parseManifest } from './manifest.js';
import { isTag } from './reference.js';
import type { ImageSource } from './source.js';

/** A repository on a registry, reached through a client for that registry. */
export interface RepositoryTarget {
  client: RegistryClient;
  repo: string;
}

export interface PushOptions {
  /**
   * Repositories that may already hold some blobs (e.g. the previous build's image). Those on the
   * destination's registry are offered as cross-repository mount sources; others are ignored.
   */
  mountFrom?: RepositoryTarget[];
  /** Blob uploads in flight at once. */
  concurrency?: number;
}

/** What a push did. */
export interface PushStats {
  blobsPushed: number;
  /** Blobs the destination already had. */
  blobsSkipped: number;
  blobsMounted: number;
  manifestsPushed: number;
  /** Manifests the destination already had. */
  manifestsSkipped: number;
  /** Blob and manifest bytes uploaded (mounts and skips cost nothing). */
  bytesPushed: number;
}

const DEFAULT_CONCURRENCY = 4;

/** Push the graph under `root` from `src` into `dest`, by digest; returns what was done. */
export async function pushImage(
  src: ImageSource,
  root: Descriptor,
  dest: RepositoryTarget,
  opts: PushOptions = {}
): Promise<PushStats> {
  const stats: PushStats = {
    blobsPushed: 0,
    blobsSkipped: 0,
    blobsMounted: 0,
    manifestsPushed: 0,
    manifestsSkipped: 0,
    bytesPushed: 0
  };
  const limit = createLimiter(opts.concurrency ?? DEFAULT_CONCURRENCY);
  const mountSources = (opts.mountFrom ?? []).filter(
    (m) => m.client.registry === dest.client.registry && m.repo !== dest.repo
  );
  // A layer shared by several platforms, or a manifest listed twice, is pushed once.
  const blobs = new Map<string, Promise<void>>();
  const manifests = new Map<string, Promise<void>>();

  const pushBlob = async (desc: Descriptor): Promise<void> => {
    if (await dest.client.headBlob(dest.repo, desc.digest)) {
      stats.blobsSkipped++;
      return;
    }
    const open = () => src.openBlob(desc.digest, desc.size);
    for (const from of mountSources) {
      if (!(await from.client.headBlob(from.repo, desc.digest))) continue;
      if (await dest.client.mountBlob(dest.repo, desc.digest, from.repo, { size: desc.size, open })) {
        stats.blobsMounted++;
      } else {
        stats.blobsPushed++;
        stats.bytesPushed += desc.size;
      }
      return;
    }
    await dest.client.pushBlob(dest.repo, desc.digest, desc.size, open);
    stats.blobsPushed++;
    stats.bytesPushed += desc.size;
  };

  const pushManifest = async (desc: Descriptor): Promise<void> => {
    const fetched = await src.getManifest(desc.digest, desc.size);
    if (fetched.digest !== desc.digest) {
      throw new Error(`${src.name}: manifest ${desc.digest} was returned as ${fetched.digest}`);
    }
    const parsed = parseManifest(fetched.bytes, desc.mediaType || fetched.mediaType, `manifest ${desc.digest} in ${src.name}`);
    // Children first: a registry may refuse a manifest whose references it does not have yet.
    if (parsed.kind === 'index') {
      const push = (child: Descriptor) => once(manifests, child.digest, () => pushManifest(child));
      // Attestations describe the platform manifests beside them; push those they point at first.
      await Promise.all(parsed.index.manifests.filter((c) => !isAttestation(c)).map(push));
      await Promise.all(parsed.index.manifests.filter(isAttestation).map(push));
    } else {
      const { config, layers } = parsed.manifest;
      const wanted = [config, ...layers].filter((d) => !isForeignLayer(d));
      await Promise.all(wanted.map((d) => once(blobs, d.digest, () => limit(() => pushBlob(d)))));
    }
    if (await dest.client.headManifest(dest.repo, desc.digest)) {
      stats.manifestsSkipped++;
      return;
    }
    await dest.client.putManifest(dest.repo, desc.digest, fetched.bytes, parsed.mediaType);
    stats.manifestsPushed++;
    stats.bytesPushed += fetched.bytes.length;
  };

  await once(manifests, root.digest, () => pushManifest(root));
  return stats;
}

/**
 * PUT exact manifest bytes under a tag (after the digest push and verification). Returns the
 * digest, which the client has checked against the registry's answer.
 */
export async function putTag(
  client: RegistryClient,
  repo: string,
  tag: string,
  bytes: Buffer,
  mediaType: string
): Promise<string> {
  if (!isTag(tag)) throw new Error(`invalid tag ${JSON.stringify(tag)}`);
  return client.putManifest(repo, tag, bytes, mediaType);
}

function once(memo: Map<string, Promise<void>>, key: string, run: () => Promise<void>): Promise<void> {
  let pending = memo.get(key);
  if (!pending) {
    pending = run();
    memo.set(key, pending);
  }
  return pending;
}
