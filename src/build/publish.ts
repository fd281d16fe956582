/**
 * Where the merged image goes: pushed by digest to every repository named in the tags, or
 * merged into one OCI layout on disk. Tags move in a separate step, after verification.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatPlatform } from '../platform.js';
import { RegistryClient } from '../registry/client.js';
import { resolveCredentials } from '../registry/credentials.js';
import { OciLayout } from '../registry/layout.js';
import { checkOutDir } from './out-dir.js';
import { pushImage, putTag, type PushStats, type RepositoryTarget } from '../registry/push.js';
import { parseReference } from '../registry/reference.js';
import { RemoteSource } from '../registry/remote.js';
import type { ImageSource } from '../registry/source.js';
import { MediaType, type Descriptor, type ImageIndex } from '../types/oci.js';
import type { BuiltLeg, MergedIndex, Tagged } from '../types/plan.js';

export interface Destination extends RepositoryTarget {
  tags: string[];
}

/** One client per registry; one destination per repository, with the tags that go to it. */
export async function resolveDestinations(tags: string[], onSecret: (v: string) => void): Promise<Destination[]> {
  const clients = new Map<string, RegistryClient>();
  const dests = new Map<string, Destination>();
  for (const tag of tags) {
    const ref = parseReference(tag);
    let client = clients.get(ref.registry);
    if (!client) {
      const credentials = await resolveCredentials(ref.registry, { onSecret });
      client = new RegistryClient({ registry: ref.registry, credentials, onSecret });
      clients.set(ref.registry, client);
    }
    const key = `${ref.registry}/${ref.repository}`;
    const dest = dests.get(key) ?? { client, repo: ref.repository, tags: [] };
    dest.tags.push(ref.tag ?? 'latest');
    dests.set(key, dest);
  }
  return [...dests.values()];
}

/** Push every leg's manifests and the index by digest; no tag is written. */
export async function pushByDigest(legs: BuiltLeg[], index: MergedIndex, dests: Destination[]): Promise<PushStats[]> {
  const stats = await pushLegs(legs, dests);
  await putIndex(index, dests);
  return stats;
}

/** Push each leg's platform manifest and attestation manifests (and their blobs) by digest. */
export async function pushLegs(legs: BuiltLeg[], dests: Destination[]): Promise<PushStats[]> {
  const stats: PushStats[] = [];
  const done: RepositoryTarget[] = [];
  for (const dest of dests) {
    for (const leg of legs) {
      const layout = await OciLayout.open(leg.outDir);
      for (const desc of [leg.manifest!, ...leg.attestations]) {
        // Repositories already filled on the same registry are offered as mount sources.
        stats.push(await pushImage(layout, desc, dest, { mountFrom: done }));
      }
    }
    done.push(dest);
  }
  return stats;
}

/**
 * PUT the index by digest into every repository; each must already hold the manifests it lists,
 * as the index describes them. In merge mode those descriptors come from leg records other jobs
 * wrote: a size that does not match what the registry holds makes an index that pulls fail on
 * (containerd checks what it reads against the descriptor's size), so it fails here, before the
 * index and any tag. Media types
 * are left alone: some registries answer HEAD with a type other than the one pushed.
 */
export async function putIndex(index: MergedIndex, dests: Destination[]): Promise<void> {
  for (const dest of dests) {
    await checkListedManifests(index, dest);
    await dest.client.putManifest(dest.repo, index.digest, index.bytes, index.mediaType);
  }
}

async function checkListedManifests(index: MergedIndex, dest: Destination): Promise<void> {
  const where = `${dest.client.registry}/${dest.repo}`;
  const listed = [
    ...index.platforms.map((d) => ({ d, what: d.platform ? formatPlatform(d.platform) : d.digest })),
    ...index.attestations.map((d) => ({ d, what: `the attestation ${d.digest}` }))
  ];
  for (const { d, what } of listed) {
    const found = await dest.client.headManifest(dest.repo, d.digest);
    if (!found) throw new Error(`${what}: manifest ${d.digest} is not in ${where}; no tag moved`);
    if (found.size !== d.size) {
      throw new Error(`${what}: the leg's descriptor says manifest ${d.digest} is ${d.size} bytes, but ${where} holds ${found.size}; no tag moved`);
    }
  }
}

/** Which tags (full references) a move changed, and which it could not, with the registry's reason. */
export interface TagMoves {
  moved: string[];
  failed: Array<{ tag: string; reason: string }>;
}

/** Some tags moved and some did not: the registry now serves a mix, which the report must say. */
export class PartialTagMoveError extends Error implements TagMoves {
  constructor(
    readonly moved: string[],
    readonly failed: Array<{ tag: string; reason: string }>
  ) {
    super(
      `${failed.length} of ${moved.length + failed.length} tags not moved: ` +
        `moved: ${moved.join(', ') || '(none)'}; not moved: ${failed.map((f) => `${f.tag} (${f.reason})`).join('; ')}`
    );
    this.name = 'PartialTagMoveError';
  }
}

/**
 * PUT the same index bytes under every tag, in every repository. A refused tag does not stop the
 * others (a half-finished loop would leave an arbitrary subset moved, and say nothing of which):
 * every tag is tried, then PartialTagMoveError lists both sides.
 */
export async function moveTags(index: MergedIndex, dests: Destination[]): Promise<TagMoves> {
  const moves: TagMoves = { moved: [], failed: [] };
  for (const dest of dests) {
    for (const tag of dest.tags) {
      const ref = `${dest.client.registry}/${dest.repo}:${tag}`;
      try {
        await putTag(dest.client, dest.repo, tag, index.bytes, index.mediaType);
        moves.moved.push(ref);
      } catch (err) {
        moves.failed.push({ tag: ref, reason: err instanceof Error ? err.message : String(err) });
      }
    }
  }
  if (moves.failed.length) throw new PartialTagMoveError(moves.moved, moves.failed);
  return moves;
}

/** The Tagged record after a move: what moved, and what did not and why (from moveTags or its error). */
export function recordTagMoves(tagged: Tagged, moves: TagMoves): Tagged {
  return { ...tagged, moved: moves.moved.length > 0, movedTags: moves.moved, failedTags: moves.failed };
}

export function remoteSource(dest: Destination): ImageSource {
  return new RemoteSource(dest.client, dest.repo);
}

/**
 * Merge the legs' layouts into one layout at `outDir`: all their blobs, plus the new index.
 * index.json points at the index by digest only; names are added by tagLayout after the checks.
 */
export async function writeMergedLayout(legs: BuiltLeg[], index: MergedIndex, outDir: string): Promise<OciLayout> {
  // Checked again here, at the deletion: the default multiarch-out is not checked with the inputs
  // (a push never writes it), and the directory may have changed since.
  checkOutDir('outputs', outDir, outDir);
  fs.rmSync(outDir, { recursive: true, force: true });
  const layout = await OciLayout.create(outDir);
  for (const leg of legs) copyBlobs(leg.outDir, outDir);
  await layout.writeBlob(index.bytes, { digest: index.digest, size: index.size });
  await layout.writeIndex(layoutIndex(index, []));
  return layout;
}

export async function tagLayout(layout: OciLayout, index: MergedIndex, tags: string[]): Promise<void> {
  await layout.writeIndex(layoutIndex(index, tags));
}

/**
 * One entry per tag: the short name OCI tools read (`ref.name`), and the full reference that
 * containerd (and so `docker load`) names the image by.
 */
function layoutIndex(index: MergedIndex, tags: string[]): ImageIndex {
  const own = index.descriptorAnnotations ?? {};
  const desc: Descriptor = { mediaType: MediaType.OciIndex, digest: index.digest, size: index.size, ...(Object.keys(own).length ? { annotations: own } : {}) };
  const manifests = tags.length
    ? [...new Set(tags)].map((t) => {
        const ref = parseReference(t);
        const full = `${ref.registry}/${ref.repository}:${ref.tag ?? 'latest'}`;
        return { ...desc, annotations: { ...own, 'org.opencontainers.image.ref.name': ref.tag ?? 'latest', 'io.containerd.image.name': full } };
      })
    : [desc];
  return { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests };
}

/** Hard links where the filesystem allows (legs live beside the output), copies otherwise. */
function copyBlobs(fromDir: string, toDir: string): void {
  const from = path.join(fromDir, 'blobs');
  for (const alg of fs.readdirSync(from)) {
    fs.mkdirSync(path.join(toDir, 'blobs', alg), { recursive: true });
    for (const hex of fs.readdirSync(path.join(from, alg))) {
      const src = path.join(from, alg, hex);
      const dst = path.join(toDir, 'blobs', alg, hex);
      if (fs.existsSync(dst)) continue;
      try {
        fs.linkSync(src, dst);
      } catch {
        fs.copyFileSync(src, dst);
      }
    }
  }
}
