/**
 * The whole-image scan: every layer of one image streamed once, start to end, several at a time.
 * Each entry's header is indexed (overlay.ts decides later which ones survive into the unpacked
 * filesystem), and of each regular file only its first bytes are read; an ELF file is read on
 * just far enough for its facts (elf-facts.ts) and the rest of it is skipped unread. Nothing is
 * written to disk and no layer is held in memory.
 *
 * The result preloads a LayerWalker, so the entrypoint trace and the library search that follow
 * answer from memory without opening a layer again.
 */
import type { ImageSource } from '../../registry/source.js';
import type { Descriptor } from '../../types/oci.js';
import { ChunkReader } from '../chunks.js';
import { openLayer } from '../decompress.js';
import { elfBytesNeeded, readElfFacts } from '../elf-facts.js';
import { isElf } from '../elf.js';
import { describeLayer, LayerReadError, LayerWalker, type KeptFile, type WalkerOptions } from '../layers.js';
import { newLayerIndex, recordEntry, type LayerIndex } from '../overlay.js';
import { TarReader, type TarEntry } from '../tar.js';

/** Bytes kept of every regular file: a #! line (the kernel reads 256) and the ELF magic. */
const HEAD_KEEP = 256;
/** Text files the loader reads whole (ld.so.conf and friends) are kept up to this size. */
const CONFIG_KEEP = 64 * 1024;
/** Bytes read past the end-of-archive marker to reach the end of the blob (and check its digest). */
const TAIL_DRAIN_BYTES = 1024 * 1024;
/** Layers streamed at once: decompression runs on libuv's pool, so two or three keep the cores busy. */
const CONCURRENCY = 3;
/** zlib output chunk for a whole-layer read: 16× the default, 16× fewer callbacks and buffers. */
const CHUNK_BYTES = 256 * 1024;

/** One layer, read whole. */
export interface ScannedLayer {
  index: LayerIndex;
  kept: Map<string, KeptFile>;
  /** Paths of the ELF files this layer holds (as regular files), in archive order. */
  elves: string[];
}

/** An image read whole, and a walker that answers from what was read. */
export interface ScannedImage {
  layers: ScannedLayer[];
  walker: LayerWalker;
}

/** Files the dynamic loader configuration lives in, kept whole. */
export function isLoaderConfig(path: string): boolean {
  return path === '/etc/ld.so.conf' || path.startsWith('/etc/ld.so.conf.d/') || /^\/etc\/ld-musl-[^/]+\.path$/.test(path);
}

/** Streams every layer of an image once. Rejects only with LayerReadError. */
export async function scanImage(source: ImageSource, layers: readonly Descriptor[], options: WalkerOptions = {}): Promise<ScannedImage> {
  const scanned = new Array<ScannedLayer>(layers.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < layers.length) {
      const i = next++;
      scanned[i] = await scanLayer(source, layers, i, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, layers.length) }, worker));
  const walker = new LayerWalker(source, layers, options);
  scanned.forEach((layer, i) => walker.preload(i, layer.index, layer.kept));
  return { layers: scanned, walker };
}

async function scanLayer(source: ImageSource, layers: readonly Descriptor[], i: number, options: WalkerOptions): Promise<ScannedLayer> {
  const descriptor = layers[i] as Descriptor;
  const result: ScannedLayer = { index: newLayerIndex(), kept: new Map(), elves: [] };
  let open: Awaited<ReturnType<typeof openLayer>> | undefined;
  try {
    open = await openLayer(source, descriptor, options.decompressors, CHUNK_BYTES);
    const chunks = new ChunkReader(open.chunks);
    const tar = new TarReader(chunks);
    for (let entry = await tar.next(); entry; entry = await tar.next()) {
      const path = recordEntry(result.index, entry);
      if (path === undefined || entry.type !== 'file') continue;
      const kept = await readFile(tar, entry, path);
      result.kept.set(path, kept);
      if (kept.facts) result.elves.push(path);
    }
    await chunks.skip(TAIL_DRAIN_BYTES);
    result.index.complete = true;
    return result;
  } catch (err) {
    const where = `${describeLayer(i, layers.length)} (${descriptor.digest}, ${descriptor.mediaType})`;
    throw new LayerReadError(`cannot read ${where}: ${(err as Error).message}`, i, descriptor.digest, err);
  } finally {
    open?.close();
  }
}

/** The first bytes of a file; for an ELF, read on until its facts are complete, then parsed. */
async function readFile(tar: TarReader, entry: TarEntry, path: string): Promise<KeptFile> {
  const first = Math.min(entry.size, isLoaderConfig(path) ? CONFIG_KEEP : HEAD_KEEP);
  // Copy: the reader hands out views into stream chunks, and these outlive the stream.
  const head = Buffer.from(await tar.readData(first));
  if (!isElf(head)) return { head };
  let bytes = head;
  for (;;) {
    const want = elfBytesNeeded(bytes, entry.size);
    if (want <= bytes.length) break;
    bytes = Buffer.concat([bytes, await tar.readData(want - bytes.length)]);
  }
  return { head: head.subarray(0, HEAD_KEEP), facts: readElfFacts(bytes, entry.size) };
}
