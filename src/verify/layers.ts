/**
 * Resolves a path in an image by walking its layers top down, as a container runtime would see
 * the unpacked filesystem: whiteouts, opaque directories, symlinks (in the path and at the end)
 * and hardlinks. Layers are streamed, never buffered whole, and a layer is only opened when the
 * layers above it do not answer: a file found in the top layer never fetches the ones below.
 *
 * What each layer has shown is kept as an index of headers, so the second lookup in an image
 * (the next PATH directory, the dynamic loader) answers from memory where it can and re-opens a
 * layer only to read a file's bytes or the part of a layer not read yet.
 */
import type { Descriptor } from '../types/oci.js';
import type { ImageSource } from '../registry/source.js';
import { ChunkReader } from './chunks.js';
import { openLayer, type Decompressors, type OpenLayer } from './decompress.js';
import type { ElfFacts } from './elf-facts.js';
import { decideInLayer, newLayerIndex, recordEntry, type IndexedEntry, type LayerIndex, type LayerDecision } from './overlay.js';
import { baseName, isAncestor, joinPath, normalizePath, parentOf, resolveLinkTarget } from './paths.js';
import { TarReader, type TarEntry } from './tar.js';

/** Bytes kept from the start of every file found: the ELF and program headers, a #! line. */
export const HEAD_BYTES = 64 * 1024;
/** Bytes read past the end-of-archive marker to reach the end of the blob; tar pads to 10 KiB records. */
const TAIL_DRAIN_BYTES = 1024 * 1024;
/** Linux gives up after 40 symlinks (MAXSYMLINKS); hardlinks count against the same budget here. */
export const MAX_LINK_HOPS = 40;

/**
 * How many bytes of a found file to keep, given the bytes kept so far (HEAD_BYTES at first) and
 * its size. Asked again after each read until it asks for no more, so a policy can look at what it
 * has read before deciding (the ELF dynamic section names the string table it needs next). Used
 * to keep a whole 32-bit ARM binary, whose .ARM.attributes (the v6/v7 answer) sit near its end.
 */
export type KeepPolicy = (head: Buffer, size: number) => number;

/** A file found in the image. */
export interface ResolvedFile {
  /** The path asked for, normalised. */
  requested: string;
  /** Where it really is, after symlinks and hardlinks. */
  path: string;
  kind: 'file' | 'dir' | 'other';
  mode: number;
  size: number;
  /** The first bytes of a regular file (see KeepPolicy); empty for anything else. */
  head: Buffer;
  /** ELF facts parsed while the layer streamed by (a whole-image scan); absent when only `head` was kept. */
  facts?: ElfFacts;
  /** Layer holding the bytes, 0-based from the bottom (the base image's first layer is 0). */
  layer: number;
  layerCount: number;
  /** Links followed on the way, e.g. `/bin/sh -> dash`, `/bin/ls => /bin/busybox (hardlink)`. */
  hops: string[];
}

/** The answer to a lookup: a file, or a reason precise enough to act on. */
export type Lookup = { found: true; file: ResolvedFile } | { found: false; path: string; reason: string; hops: string[] };

/** A layer could not be read; the message names the layer. */
export class LayerReadError extends Error {
  constructor(
    message: string,
    readonly layer: number,
    readonly digest: string,
    cause?: unknown
  ) {
    super(message, { cause });
    this.name = 'LayerReadError';
  }
}

/** How a LayerWalker reads files. */
export interface WalkerOptions {
  keep?: KeepPolicy;
  /** Injected decompressors (tests take zstd away with this). */
  decompressors?: Decompressors;
  /**
   * Keep a layer open where a lookup stopped, and continue from there when the next lookup asks
   * for a path not reached yet, instead of reading the layer from its start again. The caller
   * must call close() when done.
   */
  resume?: boolean;
}

/** A read of one layer that stopped early, kept to continue from. */
interface Cursor {
  open: OpenLayer;
  chunks: ChunkReader;
  tar: TarReader;
}

/** `layer 2 of 3`: 1-based from the bottom, the numbering `docker history` readers expect. */
export function describeLayer(layer: number, layerCount: number): string {
  return `layer ${layer + 1} of ${layerCount}`;
}

/** What a reader that streamed a whole layer kept of one regular file. */
export interface KeptFile {
  head: Buffer;
  facts?: ElfFacts;
}

/** Path lookups over one image's layers. Create one per image; it caches what it reads. */
export class LayerWalker {
  private readonly indexes: LayerIndex[];
  private readonly contents = new Map<string, Buffer>();
  private readonly facts = new Map<string, ElfFacts>();
  private readonly cursors = new Map<number, Cursor>();
  /** Layer indexes in the order they were opened (a layer read twice appears twice). */
  readonly opened: number[] = [];

  constructor(
    private readonly source: ImageSource,
    private readonly layers: readonly Descriptor[],
    private readonly options: WalkerOptions = {}
  ) {
    this.indexes = layers.map(() => newLayerIndex());
  }

  get layerCount(): number {
    return this.layers.length;
  }

  /**
   * Takes a layer another reader streamed whole (binaries/scan.ts): its complete index and what it
   * kept of every regular file. Lookups in that layer then never open it again.
   */
  preload(layer: number, index: LayerIndex, kept: ReadonlyMap<string, KeptFile>): void {
    if (!index.complete) throw new Error(`internal: layer ${layer} preloaded with an incomplete index`);
    this.indexes[layer] = index;
    for (const [path, file] of kept) {
      this.contents.set(contentKey(layer, path), file.head);
      if (file.facts) this.facts.set(contentKey(layer, path), file.facts);
    }
  }

  /** The paths of layer `layer`'s entries, read whole first; whiteouts are not entries. */
  async entriesOf(layer: number): Promise<string[]> {
    const index = this.indexes[layer] as LayerIndex;
    if (!index.complete) await this.scan(layer, '\0');
    return [...index.entries.keys()];
  }

  /**
   * What `dir` holds in the unpacked image: names (not paths), sorted, each of which resolves.
   * Reads every layer whole, so callers ask only when they must. Undefined when `dir` is no directory.
   */
  async listDir(dir: string): Promise<string[] | undefined> {
    const found = await this.resolve(dir);
    if (!found.found || found.file.kind !== 'dir') return undefined;
    const real = found.file.path;
    const names = new Set<string>();
    for (let layer = 0; layer < this.layers.length; layer++) {
      for (const path of await this.entriesOf(layer)) if (path !== '/' && parentOf(path) === real) names.add(baseName(path));
    }
    const out: string[] = [];
    // A name some layer added can be gone from the unpacked image (a whiteout, an opaque dir above).
    for (const name of [...names].sort()) if ((await this.resolve(joinPath(real, name))).found) out.push(name);
    return out;
  }

  /** Looks `requested` up, following symlinks and hardlinks. Rejects only with LayerReadError. */
  async resolve(requested: string): Promise<Lookup> {
    const hops: string[] = [];
    const top = this.layers.length - 1;
    let path = normalizePath(requested);
    let start = top;
    const notFound = (reason: string): Lookup => ({ found: false, path, reason, hops });

    for (;;) {
      if (path === '/') {
        return { found: true, file: { requested: normalizePath(requested), path, kind: 'dir', mode: 0o755, size: 0, head: Buffer.alloc(0), layer: top, layerCount: this.layerCount, hops } };
      }
      const next = await this.resolveFrom(path, start);
      if (next.kind === 'missing') return notFound(`not in any of the ${this.layerCount} layers`);
      const { decision: d, layer } = next;
      const where = describeLayer(layer, this.layerCount);
      if (d.kind === 'hidden') return notFound(hiddenReason(d.by, d.at, where));
      if (d.kind === 'not-dir') return notFound(`${d.at} is ${describeType(d.entry)} (${where}), not a directory`);
      const tooMany = `more than ${MAX_LINK_HOPS} links followed from ${normalizePath(requested)} (a symlink loop?)`;
      if (d.kind === 'redirect') {
        if (hops.length >= MAX_LINK_HOPS) return notFound(tooMany);
        if (d.target === '') return notFound(`${d.link} is a symlink with an empty target (${where})`);
        hops.push(`${d.link} -> ${d.target}`);
        path = d.path;
        start = top;
        continue;
      }
      if (d.kind !== 'found') return notFound(`internal: undecided in ${where}`);
      const { entry } = d;
      if ((entry.type === 'symlink' || entry.type === 'hardlink') && hops.length >= MAX_LINK_HOPS) return notFound(tooMany);
      if (entry.type === 'symlink') {
        if (entry.linkname === '') return notFound(`${path} is a symlink with an empty target (${where})`);
        hops.push(`${path} -> ${entry.linkname}`);
        path = resolveLinkTarget(path, entry.linkname);
        start = top;
        continue;
      }
      if (entry.type === 'hardlink') {
        // A hardlink names a file archived earlier in this layer or present in a lower one.
        const target = normalizePath(entry.linkname);
        hops.push(`${path} => ${target} (hardlink, ${where})`);
        path = target;
        start = layer;
        continue;
      }
      const kind = entry.type === 'file' ? 'file' : entry.type === 'dir' ? 'dir' : 'other';
      const head = kind === 'file' ? (this.contents.get(contentKey(layer, path)) ?? Buffer.alloc(0)) : Buffer.alloc(0);
      const facts = kind === 'file' ? this.facts.get(contentKey(layer, path)) : undefined;
      const file: ResolvedFile = { requested: normalizePath(requested), path, kind, mode: entry.mode, size: entry.size, head, layer, layerCount: this.layerCount, hops };
      return { found: true, file: facts ? { ...file, facts } : file };
    }
  }

  /** Walks down from layer `start` until some layer decides `path`. */
  private async resolveFrom(path: string, start: number): Promise<{ kind: 'decided'; decision: LayerDecision; layer: number } | { kind: 'missing' }> {
    const dirsAbove = new Set<string>();
    for (let layer = start; layer >= 0; layer--) {
      const decision = await this.decide(layer, path, dirsAbove);
      if (decision.kind !== 'continue') return { kind: 'decided', decision, layer };
    }
    return { kind: 'missing' };
  }

  private async decide(layer: number, path: string, dirsAbove: Set<string>): Promise<LayerDecision> {
    const index = this.indexes[layer] as LayerIndex;
    let decision = decideInLayer(index, path, dirsAbove);
    if (decision.kind === 'unknown' || (isFile(decision) && !this.contents.has(contentKey(layer, path)))) {
      await this.scan(layer, path);
      decision = decideInLayer(index, path, dirsAbove);
    }
    // A scan ends at a decisive entry or at the end of the layer, so 'unknown' cannot remain.
    return decision.kind === 'unknown' ? { kind: 'continue' } : decision;
  }

  /**
   * Reads layer `layer` from its start, indexing every header, until `target` or a non-directory
   * parent of it turns up (then the stream is destroyed) or the layer ends.
   */
  private async scan(layer: number, target: string): Promise<void> {
    const descriptor = this.layers[layer] as Descriptor;
    const index = this.indexes[layer] as LayerIndex;
    const where = `${describeLayer(layer, this.layerCount)} (${descriptor.digest}, ${descriptor.mediaType})`;
    let cursor = this.cursors.get(layer);
    this.cursors.delete(layer);
    // A path already passed (its bytes not kept) is behind the cursor: start over.
    if (cursor && index.entries.has(target)) {
      cursor.open.close();
      cursor = undefined;
    }
    let stoppedEarly = false;
    try {
      if (!cursor) {
        this.opened.push(layer);
        const open = await openLayer(this.source, descriptor, this.options.decompressors);
        const chunks = new ChunkReader(open.chunks);
        cursor = { open, chunks, tar: new TarReader(chunks) };
      }
      const { chunks, tar } = cursor;
      for (;;) {
        const entry = await tar.next();
        if (!entry) {
          // Read the little that follows the end marker (tar block padding, the gzip trailer) so
          // the source reaches the end of the blob and checks its digest: a layer read whole is
          // then also a verified one.
          await chunks.skip(TAIL_DRAIN_BYTES);
          index.complete = true;
          return;
        }
        const path = recordEntry(index, entry);
        if (path === undefined) continue;
        if (path === target) {
          if (entry.type === 'file') this.contents.set(contentKey(layer, path), await this.readHead(tar, entry));
          stoppedEarly = true;
          return;
        }
        if (entry.type !== 'dir' && isAncestor(path, target)) {
          stoppedEarly = true;
          return;
        }
      }
    } catch (err) {
      stoppedEarly = false;
      throw new LayerReadError(`cannot read ${where}: ${messageOf(err)}`, layer, descriptor.digest, err);
    } finally {
      if (cursor && stoppedEarly && this.options.resume) this.cursors.set(layer, cursor);
      else cursor?.open.close();
    }
  }

  /** Closes the layers kept open for resuming (WalkerOptions.resume); lookups still work after, reading afresh. */
  close(): void {
    for (const cursor of this.cursors.values()) cursor.open.close();
    this.cursors.clear();
  }

  private async readHead(tar: TarReader, entry: TarEntry): Promise<Buffer> {
    // Copy: the reader hands out views into stream chunks, and this outlives the stream.
    let head = Buffer.from(await tar.readData(Math.min(entry.size, HEAD_BYTES)));
    const keep = this.options.keep;
    if (entry.size <= HEAD_BYTES || !keep) return head;
    for (;;) {
      const want = Math.min(entry.size, Math.floor(keep(head, entry.size)));
      if (want <= head.length) return head;
      head = Buffer.concat([head, await tar.readData(want - head.length)]);
    }
  }
}

function isFile(decision: LayerDecision): boolean {
  return decision.kind === 'found' && decision.entry.type === 'file';
}

function contentKey(layer: number, path: string): string {
  return `${layer}\0${path}`;
}

function hiddenReason(by: 'whiteout' | 'opaque' | 'replaced', at: string, where: string): string {
  switch (by) {
    case 'whiteout':
      return `deleted: ${where} has a whiteout for ${at}`;
    case 'opaque':
      return `hidden: ${where} makes ${at} an opaque directory that replaces the lower layers' contents`;
    case 'replaced':
      return `hidden: ${at} is a directory in an upper layer that replaced the non-directory in ${where}`;
  }
}

function describeType(entry: IndexedEntry): string {
  switch (entry.type) {
    case 'file':
      return 'a regular file';
    case 'hardlink':
      return 'a hardlink to a file';
    default:
      return `a ${entry.type} entry`;
  }
}

/** Node's own errors come from another realm under test runners, so duck-type the message. */
function messageOf(err: unknown): string {
  const message = typeof err === 'object' && err !== null ? (err as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(err);
}
