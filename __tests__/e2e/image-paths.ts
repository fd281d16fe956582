/**
 * The set of paths in one platform's final filesystem, read from the registry: every layer
 * in order, whiteouts and opaque directories applied. Two builds of the same Dockerfile (the
 * cross-compile rewrite and the emulated build as written) must give the same set.
 */
import { gunzipSync } from 'node:zlib';
import { ChunkReader } from '../../src/verify/chunks.js';
import { TarReader } from '../../src/verify/tar.js';
import { INDEX_ACCEPT, REGISTRY_URL, registryManifest } from './harness.js';

async function blob(repo: string, digest: string): Promise<Buffer> {
  const res = await fetch(`${REGISTRY_URL}/v2/${repo}/blobs/${digest}`);
  if (!res.ok) throw new Error(`registry answered ${res.status} for blob ${digest}`);
  return Buffer.from(await res.arrayBuffer());
}

async function* once(buf: Buffer): AsyncGenerator<Buffer> {
  yield buf;
}

/** Sorted paths (no leading `/`) of `platform` in the image `repo:tag`. */
export async function finalPaths(repo: string, tag: string, platform: string): Promise<string[]> {
  const index = (await registryManifest(repo, tag))!.body as { manifests: { digest: string; platform?: { os: string; architecture: string; variant?: string } }[] };
  const want = platform.split('/');
  const desc = index.manifests.find((m) => m.platform && [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/') === want.join('/'));
  if (!desc) throw new Error(`${repo}:${tag} has no ${platform} manifest`);
  const res = await fetch(`${REGISTRY_URL}/v2/${repo}/manifests/${desc.digest}`, { headers: { Accept: INDEX_ACCEPT } });
  const manifest = (await res.json()) as { layers: { digest: string; mediaType: string }[] };
  const paths = new Set<string>();
  for (const layer of manifest.layers) {
    const raw = await blob(repo, layer.digest);
    const tar = new TarReader(new ChunkReader(once(/gzip/.test(layer.mediaType) ? gunzipSync(raw) : raw)));
    const added: string[] = [];
    for (let e = await tar.next(); e; e = await tar.next()) {
      const path = e.name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
      const base = path.slice(path.lastIndexOf('/') + 1);
      const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
      if (base === '.wh..wh..opq') {
        for (const p of [...paths]) if (dir === '' || p.startsWith(`${dir}/`)) paths.delete(p);
      } else if (base.startsWith('.wh.')) {
        const gone = (dir ? `${dir}/` : '') + base.slice('.wh.'.length);
        for (const p of [...paths]) if (p === gone || p.startsWith(`${gone}/`)) paths.delete(p);
      } else if (path) {
        added.push(path);
      }
    }
    for (const p of added) paths.add(p);
  }
  return [...paths].sort();
}
