/**
 * An in-memory ImageSource that streams blobs in small chunks and records what was opened and
 * how many bytes were pulled, so tests can prove that lower layers are never fetched.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FetchedManifest, ImageSource } from '../../../src/registry/source.js';

export function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export class MemorySource implements ImageSource {
  readonly name = 'memory://test/app';
  private readonly blobs = new Map<string, Buffer>();
  private readonly manifests = new Map<string, FetchedManifest>();
  /** Digests passed to openBlob, in order. */
  readonly opened: string[] = [];
  /** Blobs whose stream fails at its very end, as a digest mismatch does. */
  readonly failAtEnd = new Set<string>();
  /** Streams from openBlob that were destroyed before their end. */
  destroyedEarly = 0;
  private pulled = 0;

  constructor(private readonly chunkSize = 512) {}

  addBlob(bytes: Buffer): string {
    const digest = digestOf(bytes);
    this.blobs.set(digest, bytes);
    return digest;
  }

  /** Stores a manifest under its digest and, if given, a tag. */
  addManifest(bytes: Buffer, mediaType: string, tag?: string): FetchedManifest {
    const fetched = { bytes, mediaType, digest: digestOf(bytes) };
    this.manifests.set(fetched.digest, fetched);
    if (tag) this.manifests.set(tag, fetched);
    return fetched;
  }

  async getManifest(reference: string): Promise<FetchedManifest> {
    const m = this.manifests.get(reference);
    if (!m) throw new Error(`manifest unknown: ${reference}`);
    this.pulled += m.bytes.length;
    return m;
  }

  async getBlob(digest: string): Promise<Buffer> {
    const b = this.blobs.get(digest);
    if (!b) throw new Error(`blob unknown: ${digest}`);
    this.pulled += b.length;
    return b;
  }

  async openBlob(digest: string): Promise<Readable> {
    const b = this.blobs.get(digest);
    if (!b) throw new Error(`blob unknown: ${digest}`);
    this.opened.push(digest);
    let offset = 0;
    const stream = new Readable({
      highWaterMark: this.chunkSize,
      read: () => {
        if (offset >= b.length) {
          if (this.failAtEnd.has(digest)) return void stream.destroy(new Error(`digest mismatch for ${digest}`));
          return void stream.push(null);
        }
        const chunk = b.subarray(offset, offset + this.chunkSize);
        offset += chunk.length;
        this.pulled += chunk.length;
        stream.push(chunk);
      },
      destroy: (err, cb) => {
        if (offset < b.length) this.destroyedEarly++;
        cb(err);
      }
    });
    return stream;
  }

  bytesRead(): number {
    return this.pulled;
  }

  /** How many times the blob was opened. */
  openCount(digest: string): number {
    return this.opened.filter((d) => d === digest).length;
  }
}
