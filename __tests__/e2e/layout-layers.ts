/**
 * Read every layer of every platform in an OCI layout on disk, uncompressed, so a test can ask
 * what actually went into the image (file names and contents), not what the Dockerfile says.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';

interface Desc {
  mediaType: string;
  digest: string;
  annotations?: Record<string, string>;
}

function blob(dir: string, digest: string): Buffer {
  const [alg, hex] = digest.split(':');
  return fs.readFileSync(path.join(dir, 'blobs', alg!, hex!));
}

/** The uncompressed tar bytes of each layer of each image manifest the layout's index reaches. */
export function layoutLayers(dir: string): Buffer[] {
  const out: Buffer[] = [];
  const walk = (desc: Desc): void => {
    const body = JSON.parse(blob(dir, desc.digest).toString()) as { manifests?: Desc[]; layers?: Desc[] };
    for (const m of body.manifests ?? []) walk(m);
    for (const l of body.layers ?? []) {
      const raw = blob(dir, l.digest);
      out.push(l.mediaType.endsWith('+gzip') || l.mediaType.endsWith('.gzip') ? gunzipSync(raw) : raw);
    }
  };
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as { manifests: Desc[] };
  for (const m of index.manifests) walk(m);
  return out;
}

/** True when any layer holds `needle`, as a path in a tar header or in a file's bytes. */
export function layersContain(dir: string, needle: string): boolean {
  return layoutLayers(dir).some((l) => l.includes(needle));
}
