/**
 * `load: true` and the local smoke test: the verified image into Docker's image store. The
 * containerd store takes the whole layout (every platform under one name). The classic store
 * holds one image per name, so it gets one platform as a docker-archive (`manifest.json`), which
 * `docker load` has read since before OCI layouts existed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execOk } from '../exec.js';
import { isSamePlatform, parsePlatform } from '../platform.js';
import { blobPathSegments } from '../registry/digest.js';
import { parseReference } from '../registry/reference.js';
import type { OciLayout } from '../registry/layout.js';
import type { ImageStore } from '../types/engine.js';
import type { Descriptor, ImageManifest } from '../types/oci.js';
import type { MergedIndex } from '../types/plan.js';

/** The whole layout as one tar (an OCI tarball): what `docker load` and `type=oci,dest=FILE` take. */
export async function writeLayoutTar(layoutDir: string, tarFile: string): Promise<void> {
  await execOk('tar', ['-cf', tarFile, '-C', layoutDir, '.']);
}

/** The whole layout (containerd store): every platform under each tag in its index.json. */
export async function loadLayout(layoutDir: string, tarFile: string): Promise<void> {
  await writeLayoutTar(layoutDir, tarFile);
  try {
    await execOk('docker', ['load', '-i', tarFile]);
  } finally {
    fs.rmSync(tarFile, { force: true });
  }
}

/** The classic store's one platform: the runner's own when it was built, else the first one. */
export function resolveLoadPlatform(platforms: string[], host: string): string {
  return platforms.find((p) => isSamePlatform(parsePlatform(p), parsePlatform(host))) ?? platforms[0]!;
}

/** One platform of the merged index, named by `tags`, as a docker-archive for `docker load`. */
export async function loadPlatform(layout: OciLayout, index: MergedIndex, platform: string, tags: string[], scratch: string): Promise<void> {
  const want = parsePlatform(platform);
  const desc = index.platforms.find((d: Descriptor) => d.platform && isSamePlatform(d.platform, want));
  if (!desc) throw new Error(`the index has no ${platform} image to load`);
  const manifest = JSON.parse((await readBlob(layout, desc.digest)).toString('utf8')) as ImageManifest;
  const rel = (digest: string) => path.join('blobs', ...blobPathSegments(digest));
  fs.mkdirSync(scratch, { recursive: true });
  const repoTags = tags.map((t) => {
    const r = parseReference(t);
    return `${r.registry}/${r.repository}:${r.tag ?? 'latest'}`;
  });
  fs.writeFileSync(path.join(scratch, 'manifest.json'), JSON.stringify([{ Config: rel(manifest.config.digest), RepoTags: repoTags, Layers: manifest.layers.map((l) => rel(l.digest)) }]));
  const tarFile = path.join(scratch, 'load.tar');
  try {
    await execOk('tar', ['-cf', tarFile, '-C', scratch, 'manifest.json', '-C', layout.dir, rel(manifest.config.digest), ...new Set(manifest.layers.map((l) => rel(l.digest)))]);
    await execOk('docker', ['load', '-i', tarFile]);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Load for `load: true`; returns what was loaded, for the log. */
export async function loadVerified(
  layout: OciLayout,
  index: MergedIndex,
  o: {
    store?: ImageStore;
    platforms: string[];
    host: string;
    tags: string[];
    scratch: string;
    /** Names other than the layout's own (a type=docker,name= output): set before the load, put back after. */
    layoutTags?: (tags: string[]) => Promise<void>;
    restoreTags?: string[];
  }
): Promise<string> {
  if (o.store !== 'classic') {
    await o.layoutTags?.(o.tags);
    try {
      await loadLayout(layout.dir, path.join(o.scratch, '..', 'load.tar'));
    } finally {
      if (o.layoutTags) await o.layoutTags(o.restoreTags ?? []);
    }
    return `every platform (${o.platforms.join(', ')})`;
  }
  const platform = resolveLoadPlatform(o.platforms, o.host);
  await loadPlatform(layout, index, platform, o.tags, o.scratch);
  return `${platform} only: the classic image store holds one platform per tag (the containerd image store would take all ${o.platforms.length})`;
}

async function readBlob(layout: OciLayout, digest: string): Promise<Buffer> {
  return fs.promises.readFile(layout.blobPath(digest));
}
