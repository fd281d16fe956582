/**
 * A pull reader over an async stream of chunks: read exactly what the tar parser asks for and
 * nothing more, so a caller that stops early has only pulled what it looked at.
 */

/** Reads and skips byte counts over an async iterator of chunks. */
export class ChunkReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  /** Bytes handed out or skipped so far: the offset of the next byte. */
  position = 0;

  constructor(private readonly source: AsyncIterator<unknown>) {}

  /**
   * Reads `n` bytes, or fewer only when the stream ends first. Large reads collect chunks and
   * copy once, so keeping a whole 64 MiB file is one allocation, not one per chunk.
   */
  async read(n: number): Promise<Buffer> {
    let more = true;
    while (this.buffered < n && more) more = await this.pull();
    return this.take(Math.min(n, this.buffered));
  }

  /** Skips `n` bytes; returns how many were skipped (fewer only at the end of the stream). */
  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.pull())) break;
      const k = Math.min(left, this.buffered);
      this.take(k, false);
      left -= k;
    }
    return n - left;
  }

  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const chunk = toBuffer(next.value);
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    return true;
  }

  private take(n: number, copy = true): Buffer {
    this.position += n;
    this.buffered -= n;
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      // The common case: the bytes sit in one chunk, so hand out a view, not a copy.
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return out;
    }
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const chunk = this.chunks[0] as Buffer;
      if (chunk.length <= left) {
        parts.push(chunk);
        this.chunks.shift();
        left -= chunk.length;
      } else {
        parts.push(chunk.subarray(0, left));
        this.chunks[0] = chunk.subarray(left);
        left = 0;
      }
    }
    return copy ? Buffer.concat(parts, n) : Buffer.alloc(0);
  }
}

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string') return Buffer.from(value);
  throw new TypeError(`stream yielded ${typeof value}, expected bytes`);
}
