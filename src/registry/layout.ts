/**
 * An OCI image layout on disk (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`), as buildx
 * exports with `type=oci,tar=false`. Reads are verified against digests; writes are streamed,
 * hashed on the way to disk and renamed into place, so a crash never leaves a half blob under
 * its final name.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import {
  AnnotationContainerdName,
  AnnotationRefName,
  ImageLayoutVersion,
  MediaType,
  type Descriptor,
  type ImageIndex,
  type OciLayoutFile
} from '../types/oci.js';
import { assertDigest, blobPathSegments, digestAlgorithm, digestOf, HashingStream, VerifyingStream } from './digest.js';
import { resolveManifestMediaType } from './manifest.js';
import { isDigest } from './reference.js';
import type { FetchedManifest, ImageSource } from './source.js';

/** Size of a blob on disk and its digest. */
export interface BlobInfo {
  digest: string;
  size: number;
}

export class OciLayout implements ImageSource {
  readonly name: string;
  private read = 0;

  private constructor(readonly dir: string) {
    this.name = `oci-layout://${dir}`;
  }

  /** Open an existing layout; fails unless `oci-layout` names a version we understand. */
  static async open(dir: string): Promise<OciLayout> {
    const layout = new OciLayout(resolve(dir));
    let marker: OciLayoutFile;
    try {
      marker = JSON.parse(await readFile(join(layout.dir, 'oci-layout'), 'utf8')) as OciLayoutFile;
    } catch (err) {
      throw new Error(`${layout.dir} is not an OCI image layout (oci-layout: ${(err as Error).message})`);
    }
    if (!/^1\./.test(String(marker.imageLayoutVersion))) {
      throw new Error(`${layout.dir}: unsupported OCI layout version ${String(marker.imageLayoutVersion)}`);
    }
    return layout;
  }

  /** Create a layout (or open one already there), with an empty index if it has none. */
  static async create(dir: string): Promise<OciLayout> {
    const layout = new OciLayout(resolve(dir));
    await mkdir(join(layout.dir, 'blobs'), { recursive: true });
    const marker: OciLayoutFile = { imageLayoutVersion: ImageLayoutVersion };
    await writeFile(join(layout.dir, 'oci-layout'), JSON.stringify(marker), { flag: 'wx' }).catch(ignoreExists);
    const empty: ImageIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
    await writeFile(join(layout.dir, 'index.json'), JSON.stringify(empty), { flag: 'wx' }).catch(ignoreExists);
    return layout;
  }

  /** The layout's index.json, parsed, with its raw bytes and their digest. */
  async readIndex(): Promise<{ index: ImageIndex; bytes: Buffer; digest: string }> {
    const bytes = await readFile(join(this.dir, 'index.json'));
    let index: ImageIndex;
    try {
      index = JSON.parse(bytes.toString('utf8')) as ImageIndex;
    } catch (err) {
      throw new Error(`${this.dir}/index.json is not valid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(index.manifests)) throw new Error(`${this.dir}/index.json has no manifests array`);
    return { index, bytes, digest: digestOf(bytes) };
  }

  /** Replace index.json atomically. */
  async writeIndex(index: ImageIndex): Promise<BlobInfo> {
    const bytes = Buffer.from(JSON.stringify(index));
    const tmp = this.tempPath(this.dir);
    await writeFile(tmp, bytes);
    await rename(tmp, join(this.dir, 'index.json'));
    return { digest: digestOf(bytes), size: bytes.length };
  }

  blobPath(digest: string): string {
    return join(this.dir, 'blobs', ...blobPathSegments(digest));
  }

  async hasBlob(digest: string): Promise<boolean> {
    try {
      return (await stat(this.blobPath(digest))).isFile();
    } catch {
      return false;
    }
  }

  /**
   * Store a blob. With `expected`, the bytes must match it (and a blob already present is kept
   * without rewriting); without, the digest is computed (sha256) and returned.
   */
  async writeBlob(data: Buffer | Readable, expected?: BlobInfo): Promise<BlobInfo> {
    if (expected && (await this.hasBlob(expected.digest))) {
      if (!Buffer.isBuffer(data)) data.destroy();
      return expected;
    }
    if (Buffer.isBuffer(data)) {
      const digest = expected?.digest ?? digestOf(data);
      assertDigest(data, digest, `blob written to ${this.name}`);
      if (expected && expected.size !== data.length) {
        throw new Error(`blob ${digest} has ${data.length} bytes, expected ${expected.size}`);
      }
      await this.place(digest, (tmp) => writeFile(tmp, data));
      return { digest, size: data.length };
    }

    if (expected) {
      const verifier = new VerifyingStream(expected.digest, `blob ${expected.digest} written to ${this.name}`, expected.size);
      await this.place(expected.digest, (tmp) => pipelineAsync(data, verifier, createWriteStream(tmp)));
      return expected;
    }
    // Unknown digest: hash to a temp file first, then name it.
    const hashing = new HashingStream();
    const dir = join(this.dir, 'blobs', 'sha256');
    await mkdir(dir, { recursive: true });
    const tmp = this.tempPath(dir);
    try {
      await pipelineAsync(data, hashing, createWriteStream(tmp));
      const info = hashing.result();
      await rename(tmp, this.blobPath(info.digest));
      return info;
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /**
   * A manifest by digest, or by tag (the `org.opencontainers.image.ref.name` annotation in
   * index.json, or the full `io.containerd.image.name`). An empty reference returns index.json
   * itself, so a whole layout can be treated as one image index.
   */
  async getManifest(reference = '', size?: number): Promise<FetchedManifest> {
    const { index, bytes, digest } = await this.readIndex();
    if (reference === '' || reference === digest) {
      this.read += bytes.length;
      return { bytes, digest, mediaType: MediaType.OciIndex };
    }
    const target = isDigest(reference) ? reference : this.resolveTag(index, reference);
    const listed = index.manifests.find((d) => d.digest === target);
    const manifest = await this.getBlob(target, size);
    return { bytes: manifest, digest: target, mediaType: resolveManifestMediaType(listed?.mediaType, manifest) };
  }

  async getBlob(digest: string, size?: number): Promise<Buffer> {
    let bytes: Buffer;
    try {
      await this.checkSize(digest, size);
      bytes = await readFile(this.blobPath(digest));
    } catch (err) {
      throw notFound(err, digest, this.name);
    }
    this.read += bytes.length;
    assertDigest(bytes, digest, `blob in ${this.name}`);
    return bytes;
  }

  async openBlob(digest: string, size?: number): Promise<Readable> {
    const path = this.blobPath(digest);
    // Open eagerly so a missing blob (or one of the wrong size) is an error here, not a later stream error.
    try {
      await this.checkSize(digest, size);
    } catch (err) {
      throw notFound(err, digest, this.name);
    }
    // The size goes to the verifier too: the file could change between stat and read.
    const verifier = new VerifyingStream(digest, `blob ${digest} in ${this.name}`, size, (n) => {
      this.read += n;
    });
    return pipeline(createReadStream(path), verifier, () => undefined);
  }

  /** Stat the blob (it must exist) and, given a descriptor's size, refuse a file of another size unread. */
  private async checkSize(digest: string, size: number | undefined): Promise<void> {
    const actual = (await stat(this.blobPath(digest))).size;
    if (size !== undefined && actual !== size) {
      throw new Error(`blob ${digest} in ${this.name} has ${actual} bytes, but its descriptor says ${size}`);
    }
  }

  bytesRead(): number {
    return this.read;
  }

  private resolveTag(index: ImageIndex, tag: string): string {
    const byRefName = index.manifests.filter((d) => d.annotations?.[AnnotationRefName] === tag);
    const matches = byRefName.length > 0 ? byRefName : index.manifests.filter((d) => d.annotations?.[AnnotationContainerdName] === tag);
    const digests = [...new Set(matches.map((d: Descriptor) => d.digest))];
    if (digests.length === 0) throw new Error(`${this.name} has no manifest tagged ${JSON.stringify(tag)}`);
    if (digests.length > 1) throw new Error(`${this.name} has ${digests.length} different manifests tagged ${JSON.stringify(tag)}`);
    return digests[0] as string;
  }

  /** Write via `fill(tmp)` into a temp file beside the blob's final path, then rename it into place. */
  private async place(digest: string, fill: (tmp: string) => Promise<unknown>): Promise<void> {
    const dir = join(this.dir, 'blobs', digestAlgorithm(digest));
    await mkdir(dir, { recursive: true });
    const tmp = this.tempPath(dir);
    try {
      await fill(tmp);
      await rename(tmp, this.blobPath(digest));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  private tempPath(dir: string): string {
    return join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  }
}

function ignoreExists(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EEXIST') throw err;
}

function notFound(err: unknown, digest: string, where: string): Error {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Error(`blob ${digest} not found in ${where}`);
  return err as Error;
}
