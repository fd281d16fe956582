/**
 * Read a pushed fixture image back through a RegistryClient and check every byte: the tag
 * resolves to the exact index bytes, every manifest and blob is there and hashes right.
 */
import type { RegistryClient } from '../../src/registry/client.js';
import { RemoteSource } from '../../src/registry/remote.js';
import type { FixtureImage } from '../registry/fixtures.js';

export async function readBackImage(client: RegistryClient, repo: string, image: FixtureImage, tag: string): Promise<void> {
  const source = new RemoteSource(client, repo);
  const tagged = await source.getManifest(tag);
  if (tagged.digest !== image.root.digest || !tagged.bytes.equals(image.indexBytes)) {
    throw new Error(`${source.name}:${tag} is ${tagged.digest}, expected ${image.root.digest} with the exact index bytes`);
  }
  for (const manifest of image.manifests) {
    const fetched = await source.getManifest(manifest.digest);
    if (fetched.bytes.length !== manifest.size) throw new Error(`manifest ${manifest.digest} has ${fetched.bytes.length} bytes, expected ${manifest.size}`);
  }
  for (const blob of image.blobs) {
    let size = 0;
    // Read to the end: the stream checks the digest only then.
    for await (const chunk of (await source.openBlob(blob.digest)) as AsyncIterable<Buffer>) size += chunk.length;
    if (size !== blob.size) throw new Error(`blob ${blob.digest} has ${size} bytes, expected ${blob.size}`);
  }
}
