/** Builds layers, images, indexes and attestations into a MemorySource. */
import { gzipSync, zstdCompressSync } from 'node:zlib';
import type { Descriptor, ImageConfig } from '../../../src/types/oci.js';
import { AttestationManifestValue, AttestationRefDigest, AttestationRefType, MediaType } from '../../../src/types/oci.js';
import type { MemorySource } from './memory-source.js';
import { writeTar, type TarItem } from './tar-writer.js';

export type Compression = 'gzip' | 'zstd' | 'none';

export interface LayerBlob {
  bytes: Buffer;
  mediaType: string;
}

/** A layer from tar items, compressed as asked. */
export function layer(items: TarItem[], compression: Compression = 'gzip', mediaType?: string): LayerBlob {
  const tar = writeTar(items);
  if (compression === 'gzip') return { bytes: gzipSync(tar), mediaType: mediaType ?? MediaType.OciLayerGzip };
  if (compression === 'zstd') return { bytes: zstdCompressSync(tar), mediaType: mediaType ?? MediaType.OciLayerZstd };
  return { bytes: tar, mediaType: mediaType ?? MediaType.OciLayer };
}

/** Registers the layers as blobs and returns their descriptors. */
export function addLayers(src: MemorySource, layers: LayerBlob[]): Descriptor[] {
  return layers.map((l) => ({ mediaType: l.mediaType, digest: src.addBlob(l.bytes), size: l.bytes.length }));
}

export interface ImageSpec {
  /** The index entry's platform, e.g. linux/arm/v7. */
  platform: string;
  layers: LayerBlob[];
  /** The config's platform when it should differ from `platform`. */
  configPlatform?: string;
  config?: ImageConfig['config'];
  /** The config's history (the Dockerfile steps behind the layers). */
  history?: ImageConfig['history'];
}

/** Adds config + manifest and returns the manifest's descriptor with its platform. */
export function addImage(src: MemorySource, spec: ImageSpec): Descriptor {
  const [os, architecture, variant] = (spec.configPlatform ?? spec.platform).split('/') as [string, string, string?];
  const config = { os, architecture, ...(variant ? { variant } : {}), config: spec.config ?? {}, rootfs: { type: 'layers', diff_ids: [] }, ...(spec.history ? { history: spec.history } : {}) };
  const configBytes = Buffer.from(JSON.stringify(config));
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: src.addBlob(configBytes), size: configBytes.length },
    layers: addLayers(src, spec.layers)
  };
  const fetched = src.addManifest(Buffer.from(JSON.stringify(manifest)), MediaType.OciManifest);
  const [pos, parch, pvariant] = spec.platform.split('/') as [string, string, string?];
  return { mediaType: MediaType.OciManifest, digest: fetched.digest, size: fetched.bytes.length, platform: { os: pos, architecture: parch, ...(pvariant ? { variant: pvariant } : {}) } };
}

/** A BuildKit-style attestation manifest for `subject`. */
export function addAttestation(src: MemorySource, subject: Descriptor): Descriptor {
  const statement = Buffer.from('{"_type":"https://in-toto.io/Statement/v0.1"}');
  const configBytes = Buffer.from('{}');
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: src.addBlob(configBytes), size: configBytes.length },
    layers: [{ mediaType: MediaType.InTotoLayer, digest: src.addBlob(statement), size: statement.length }]
  };
  const fetched = src.addManifest(Buffer.from(JSON.stringify(manifest)), MediaType.OciManifest);
  return {
    mediaType: MediaType.OciManifest,
    digest: fetched.digest,
    size: fetched.bytes.length,
    platform: { os: 'unknown', architecture: 'unknown' },
    annotations: { [AttestationRefType]: AttestationManifestValue, [AttestationRefDigest]: subject.digest }
  };
}

/** Adds an index of `manifests` under `tag`. */
export function addIndex(src: MemorySource, manifests: Descriptor[], tag = 'latest'): string {
  const index = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests };
  return src.addManifest(Buffer.from(JSON.stringify(index)), MediaType.OciIndex, tag).digest;
}

/** Usual directory skeleton entries. */
export function dirs(...names: string[]): TarItem[] {
  return names.map((name) => ({ name: `${name}/`, type: 'dir' as const }));
}
