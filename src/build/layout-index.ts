/** Minimal synchronous read of the root of a leg's OCI layout (index.json + blobs). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { blobPathSegments } from '../registry/digest.js';
import type { Descriptor, ImageIndex } from '../types/oci.js';

export function readLegLayoutIndex(dir: string): { root: Descriptor; read: (digest: string) => Buffer } {
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as ImageIndex;
  if (!index.manifests?.length) throw new Error(`${dir}/index.json lists no manifests`);
  const read = (digest: string): Buffer => {
    // Validated: the digests come from index.json and manifests, which a build wrote.
    return fs.readFileSync(path.join(dir, 'blobs', ...blobPathSegments(digest)));
  };
  return { root: index.manifests[0]!, read };
}
