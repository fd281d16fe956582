/**
 * Read a leg back from the engine: the docker driver on the classic image store can only load
 * its result into the engine, so the leg is saved with `docker image save` and rewritten as the
 * OCI layout every other leg exports. The classic store hands layers over uncompressed; they are
 * gzipped here, as `docker push` would, so the registry stores and serves compressed layers.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { exec, execOk } from '../exec.js';
import { OciLayout, type BlobInfo } from '../registry/layout.js';
import { MediaType, type Descriptor, type ImageIndex, type Platform } from '../types/oci.js';

export interface SavedLeg {
  /** Layers the engine handed over uncompressed and this step gzipped. */
  compressed: number;
  layers: number;
  uncompressedBytes: number;
  compressedBytes: number;
}

/** `docker image save REF` → OCI layout at outDir. The reference itself is left to the caller. */
export async function saveLoadedImage(ref: string, outDir: string, scratchDir: string): Promise<SavedLeg> {
  fs.rmSync(scratchDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(scratchDir, 'x'), { recursive: true });
  try {
    const tarFile = path.join(scratchDir, 'image.tar');
    await execOk('docker', ['image', 'save', '--output', tarFile, ref]);
    await execOk('tar', ['-xf', tarFile, '-C', path.join(scratchDir, 'x')]);
    fs.rmSync(tarFile, { force: true });
    return await convertDockerArchive(path.join(scratchDir, 'x'), outDir);
  } finally {
    fs.rmSync(scratchDir, { recursive: true, force: true });
  }
}

/** Best effort: the temporary reference goes even when the build or the read-back failed. */
export async function removeLoadedImage(ref: string): Promise<void> {
  await exec('docker', ['image', 'rm', '--force', ref]);
}

interface ArchiveEntry {
  Config: string;
  Layers: string[];
}

/**
 * A `docker save` directory → OCI layout. manifest.json is read rather than index.json: every
 * engine writes it (Docker < 25 writes nothing else), with the config and the layers in order.
 */
export async function convertDockerArchive(dir: string, outDir: string): Promise<SavedLeg> {
  const entries = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as ArchiveEntry[];
  if (!Array.isArray(entries) || entries.length !== 1) throw new Error(`docker image save wrote ${Array.isArray(entries) ? entries.length : 'no'} images, expected 1`);
  const entry = entries[0]!;
  const inside = (p: string): string => {
    const full = path.resolve(dir, p);
    if (!full.startsWith(path.resolve(dir) + path.sep)) throw new Error(`docker image save names a file outside its archive: ${p}`);
    return full;
  };
  fs.rmSync(outDir, { recursive: true, force: true });
  const layout = await OciLayout.create(outDir);
  const configBytes = fs.readFileSync(inside(entry.Config));
  const config = JSON.parse(configBytes.toString('utf8')) as Platform;
  const configDesc = await layout.writeBlob(configBytes);
  const stats: SavedLeg = { compressed: 0, layers: entry.Layers.length, uncompressedBytes: 0, compressedBytes: 0 };
  const layers: Descriptor[] = [];
  for (const file of entry.Layers) {
    const full = inside(file);
    const kind = sniffCompression(full);
    let blob: BlobInfo;
    if (kind === 'none') {
      stats.compressed++;
      stats.uncompressedBytes += fs.statSync(full).size;
      blob = await gzipInto(layout, full, path.join(outDir, '.gzip-tmp'));
      stats.compressedBytes += blob.size;
    } else {
      blob = await layout.writeBlob(createReadStream(full));
    }
    layers.push({ mediaType: kind === 'zstd' ? MediaType.OciLayerZstd : MediaType.OciLayerGzip, digest: blob.digest, size: blob.size });
  }
  const manifest = { schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, digest: configDesc.digest, size: configDesc.size }, layers };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestDesc = await layout.writeBlob(manifestBytes);
  const platform: Platform = { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [{ mediaType: MediaType.OciManifest, digest: manifestDesc.digest, size: manifestDesc.size, platform }] };
  await layout.writeIndex(index);
  return stats;
}

/** gzip to a temp file, then store it under its digest (layers can be large: streamed, never in memory). */
async function gzipInto(layout: OciLayout, file: string, tmp: string): Promise<BlobInfo> {
  try {
    await pipeline(createReadStream(file), createGzip({ level: 6 }), createWriteStream(tmp));
    return await layout.writeBlob(createReadStream(tmp));
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** gzip (1f 8b), zstd (28 b5 2f fd) or a plain tar. */
export function sniffCompression(file: string): 'gzip' | 'zstd' | 'none' {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const n = fs.readSync(fd, head, 0, 4, 0);
    if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (n >= 4 && head.readUInt32BE(0) === 0x28b52ffd) return 'zstd';
    return 'none';
  } finally {
    fs.closeSync(fd);
  }
}
