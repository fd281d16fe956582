/**
 * A small generated multi-platform image in an OCI layout, shaped like a buildx export: an
 * index with two platform manifests and an attestation manifest, configs, layers (one shared by
 * both platforms) and a foreign layer that must never be pushed. Not a test file itself.
 */
import { randomBytes } from 'node:crypto';
import { OciLayout } from '../../src/registry/layout.js';
import {
  AnnotationRefName,
  AttestationManifestValue,
  AttestationRefDigest,
  AttestationRefType,
  MediaType,
  type Descriptor,
  type ImageIndex,
  type ImageManifest
} from '../../src/types/oci.js';

export interface FixtureImage {
  layout: OciLayout;
  /** Descriptor of the image index (what gets pushed). */
  root: Descriptor;
  indexBytes: Buffer;
  /** Every blob that belongs in the registry (configs and layers, not the foreign one), deduplicated. */
  blobs: Descriptor[];
  /** Every manifest, children before the index. */
  manifests: Descriptor[];
  foreign: Descriptor;
}

export async function makeFixtureImage(dir: string, tag = 'v1'): Promise<FixtureImage> {
  const layout = await OciLayout.create(dir);
  const blobs = new Map<string, Descriptor>();
  const addBlob = async (mediaType: string, bytes: Buffer): Promise<Descriptor> => {
    const { digest, size } = await layout.writeBlob(bytes);
    const desc = { mediaType, digest, size };
    blobs.set(digest, desc);
    return desc;
  };
  const addManifest = async (doc: ImageManifest | ImageIndex, extra: Partial<Descriptor> = {}): Promise<Descriptor> => {
    const bytes = Buffer.from(JSON.stringify(doc));
    const { digest, size } = await layout.writeBlob(bytes);
    return { mediaType: doc.mediaType ?? MediaType.OciManifest, digest, size, ...extra };
  };

  const shared = await addBlob(MediaType.OciLayerGzip, randomBytes(20_000));
  const foreign: Descriptor = {
    mediaType: MediaType.DockerForeignLayer,
    digest: `sha256:${'f'.repeat(64)}`,
    size: 1234,
    urls: ['https://example.invalid/layer.tar.gz']
  };
  const platforms: Descriptor[] = [];
  for (const [architecture, variant] of [
    ['amd64', undefined],
    ['arm64', 'v8']
  ] as const) {
    const config = await addBlob(
      MediaType.OciConfig,
      Buffer.from(JSON.stringify({ architecture, os: 'linux', ...(variant ? { variant } : {}), rootfs: { type: 'layers', diff_ids: [] } }))
    );
    const own = await addBlob(MediaType.OciLayerGzip, randomBytes(5_000 + platforms.length * 1000));
    const layers = architecture === 'amd64' ? [shared, own, foreign] : [shared, own];
    platforms.push(
      await addManifest(
        { schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers },
        { platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) } }
      )
    );
  }

  const statement = await addBlob(MediaType.InTotoLayer, Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1' })));
  const emptyConfig = await addBlob(MediaType.OciConfig, Buffer.from('{}'));
  const attestation = await addManifest(
    { schemaVersion: 2, mediaType: MediaType.OciManifest, config: emptyConfig, layers: [statement] },
    {
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: { [AttestationRefType]: AttestationManifestValue, [AttestationRefDigest]: platforms[0]?.digest ?? '' }
    }
  );

  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [...platforms, attestation] };
  const indexBytes = Buffer.from(JSON.stringify(index));
  const { digest, size } = await layout.writeBlob(indexBytes);
  const root: Descriptor = { mediaType: MediaType.OciIndex, digest, size };
  await layout.writeIndex({
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: [{ ...root, annotations: { [AnnotationRefName]: tag } }]
  });
  return { layout, root, indexBytes, blobs: [...blobs.values()], manifests: [...platforms, attestation, root], foreign };
}
