/**
 * Opens a layer blob as a stream of tar bytes: gzip, zstd or uncompressed. The media type says
 * which, and the first bytes are sniffed too: for media types we do not know (foreign and vendor
 * layers), and to catch a blob that is not what its media type claims. gzip or zstd magic wins
 * over the media type, as in Docker's own extraction (no tar starts with those bytes); a media
 * type that promises compression over bytes without its magic is an error that says so.
 */
import { Readable, pipeline, type Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import type { Descriptor } from '../types/oci.js';
import type { ImageSource } from '../registry/source.js';

/** How a layer blob is compressed. */
export type Compression = 'gzip' | 'zstd' | 'none';

/** A layer being read; `close` stops the download and may be called at any time, more than once. */
export interface OpenLayer {
  chunks: AsyncIterator<unknown>;
  compression: Compression;
  close(): void;
}

/** The subset of node:zlib used here, so tests can take zstd away. */
export interface Decompressors {
  createGunzip(options?: { chunkSize?: number }): Transform;
  createZstdDecompress?: (options?: { chunkSize?: number }) => Transform;
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** What a layer media type says about compression; undefined when it does not say. */
export function compressionOfMediaType(mediaType: string): Compression | undefined {
  if (/(\+|\.tar\.)gzip$/.test(mediaType)) return 'gzip';
  if (/\+zstd$/.test(mediaType)) return 'zstd';
  if (/\.tar$/.test(mediaType)) return 'none';
  return undefined;
}

/** Compression recognised from the magic bytes at the start of a blob. */
export function sniffCompression(head: Buffer): Compression | undefined {
  if (head.subarray(0, 2).equals(GZIP_MAGIC)) return 'gzip';
  if (head.subarray(0, 4).equals(ZSTD_MAGIC)) return 'zstd';
  return undefined;
}

/**
 * Opens `layer` from `source` and returns its decompressed bytes as a pull stream. `chunkSize`
 * (zlib's output chunk, 16 KiB by default) suits a walk that stops early; a reader that takes the
 * whole layer passes a larger one, which cuts the callbacks and garbage per byte many times over.
 */
export async function openLayer(source: ImageSource, layer: Descriptor, impl: Decompressors = zlib, chunkSize?: number): Promise<OpenLayer> {
  const raw = await source.openBlob(layer.digest, layer.size);
  const streams: Array<NodeJS.ReadableStream & { destroy(): unknown }> = [raw];
  const close = (): void => {
    // Destroying mid-read can surface a late error event (premature close); nobody is listening by then.
    for (const s of streams) {
      s.on('error', noop);
      s.destroy();
    }
  };
  try {
    const it = raw[Symbol.asyncIterator]();
    const head = await readHead(it, ZSTD_MAGIC.length);
    const compression = decideCompression(layer.mediaType, head.bytes);
    const rest = prepend(head.chunks, it);
    if (compression === 'none') return { chunks: rest, compression, close };
    const decompressor = makeDecompressor(compression, impl, chunkSize);
    // A small buffer: an early stop should not have pulled much more than it looked at.
    const input = Readable.from(wrap(rest), { objectMode: false, highWaterMark: chunkSize ?? 16 * 1024 });
    streams.push(input, decompressor);
    // Errors (a digest mismatch from the source, corrupt compressed data) reach the last stream,
    // which is the one being iterated.
    pipeline(input, decompressor, noop);
    return { chunks: decompressor[Symbol.asyncIterator](), compression, close };
  } catch (err) {
    close();
    throw err;
  }
}

function decideCompression(mediaType: string, head: Buffer): Compression {
  const declared = compressionOfMediaType(mediaType);
  const sniffed = sniffCompression(head);
  // Docker's own extraction trusts the magic bytes; do the same when they are unambiguous.
  if (sniffed) return sniffed;
  if ((declared === 'gzip' || declared === 'zstd') && head.length > 0) {
    const want = declared === 'gzip' ? '1f 8b' : '28 b5 2f fd';
    throw new Error(`media type ${mediaType} says ${declared}, but the blob starts with ${hex(head)} instead of ${want}`);
  }
  return declared ?? 'none';
}

function makeDecompressor(compression: 'gzip' | 'zstd', impl: Decompressors, chunkSize: number | undefined): Transform {
  const options = chunkSize ? { chunkSize } : undefined;
  if (compression === 'gzip') return impl.createGunzip(options);
  if (typeof impl.createZstdDecompress !== 'function') {
    throw new Error(
      `the layer is zstd-compressed, but this Node.js ${process.version} has no zstd decompressor ` +
        '(node:zlib createZstdDecompress arrived in Node 22.15 and 23.8); run multiarch on Node 24'
    );
  }
  return impl.createZstdDecompress(options);
}

async function readHead(it: AsyncIterator<unknown>, want: number): Promise<{ bytes: Buffer; chunks: Buffer[] }> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < want) {
    const next = await it.next();
    if (next.done) break;
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array);
    chunks.push(chunk);
    length += chunk.length;
  }
  return { bytes: Buffer.concat(chunks).subarray(0, want), chunks };
}

async function* prepend(first: Buffer[], rest: AsyncIterator<unknown>): AsyncGenerator<unknown> {
  yield* first;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

function wrap(it: AsyncIterator<unknown>): AsyncIterable<unknown> {
  return { [Symbol.asyncIterator]: () => it };
}

function hex(bytes: Buffer): string {
  return [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

function noop(): void {}
