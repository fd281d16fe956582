/**
 * Content digests: computing them, and checking bytes against them as they stream past, so that
 * nothing read from a registry or a layout is trusted before its hash matches.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { isDigest } from './reference.js';

/** Thrown when bytes do not hash to the digest they were fetched (or stored) under. */
export class DigestMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
    where: string
  ) {
    super(`digest mismatch for ${where}: expected ${expected}, got ${actual}`);
    this.name = 'DigestMismatchError';
  }
}

/** The hash algorithm of a digest, after checking the digest is one we can verify. */
export function digestAlgorithm(digest: string): 'sha256' | 'sha512' {
  if (!isDigest(digest)) throw new Error(`invalid or unsupported digest ${JSON.stringify(digest)}`);
  return digest.slice(0, digest.indexOf(':')) as 'sha256' | 'sha512';
}

/** The hex part of a digest, e.g. for a layout's `blobs/<alg>/<hex>` path. */
export function digestHex(digest: string): string {
  digestAlgorithm(digest);
  return digest.slice(digest.indexOf(':') + 1);
}

/**
 * The `[algorithm, hex]` path segments of a digest in a layout's `blobs/` directory. The digest is
 * validated first: a digest read from a file or the wire (`sha256:../../x`) must not leave the layout.
 */
export function blobPathSegments(digest: string): [string, string] {
  return [digestAlgorithm(digest), digestHex(digest)];
}

export function digestOf(bytes: Buffer | string, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Throws DigestMismatchError unless `bytes` hash to `expected`. */
export function assertDigest(bytes: Buffer, expected: string, where: string): void {
  const actual = digestOf(bytes, digestAlgorithm(expected));
  if (actual !== expected) throw new DigestMismatchError(expected, actual, where);
}

/**
 * A pass-through stream that hashes and counts what flows through it and, at the end, fails if
 * the digest (or the expected size) does not match. Too many bytes fail at once rather than at the
 * end, so a misbehaving server cannot make us read without bound.
 */
export class VerifyingStream extends Transform {
  private readonly hash: Hash;
  private count = 0;

  constructor(
    private readonly expected: string,
    private readonly where: string,
    private readonly expectedSize?: number,
    private readonly onBytes?: (n: number) => void
  ) {
    super();
    this.hash = createHash(digestAlgorithm(expected));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.length;
    this.onBytes?.(chunk.length);
    if (this.expectedSize !== undefined && this.count > this.expectedSize) {
      callback(new Error(`${this.where} is larger than its expected size of ${this.expectedSize} bytes`));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.expectedSize !== undefined && this.count !== this.expectedSize) {
      callback(new Error(`${this.where} has ${this.count} bytes, expected ${this.expectedSize}`));
      return;
    }
    const actual = `${digestAlgorithm(this.expected)}:${this.hash.digest('hex')}`;
    callback(actual === this.expected ? null : new DigestMismatchError(this.expected, actual, this.where));
  }
}

/** Hashes and counts what passes through, for bytes whose digest is not known in advance. */
export class HashingStream extends Transform {
  private readonly hash: Hash;
  private size = 0;

  constructor(private readonly algorithm: 'sha256' | 'sha512' = 'sha256') {
    super();
    this.hash = createHash(algorithm);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    callback(null, chunk);
  }

  /** Digest and size of everything that passed; call once, after the stream has ended. */
  result(): { digest: string; size: number } {
    return { digest: `${this.algorithm}:${this.hash.digest('hex')}`, size: this.size };
  }
}
