/** A small image to hang referrers on, pushed with the client under test. Not a test file itself. */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { RegistryClient } from '../../src/registry/client.js';
import { digestOf } from '../../src/registry/digest.js';
import { MediaType, type Descriptor, type ImageManifest } from '../../src/types/oci.js';

/** Push a one-layer image by digest; returns its manifest descriptor (the subject). */
export async function pushSubject(client: RegistryClient, repo: string): Promise<Descriptor> {
  const put = async (bytes: Buffer) => {
    const digest = digestOf(bytes);
    await client.pushBlob(repo, digest, bytes.length, () => Readable.from([bytes]));
    return { digest, size: bytes.length };
  };
  const config = { mediaType: MediaType.OciConfig, ...(await put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, nonce: randomBytes(8).toString('hex') })))) };
  const layer = { mediaType: MediaType.OciLayerGzip, ...(await put(randomBytes(64))) };
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: [layer] };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = await client.putManifest(repo, digestOf(bytes), bytes, MediaType.OciManifest);
  return { mediaType: MediaType.OciManifest, digest, size: bytes.length };
}

export function uniqueRepo(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
