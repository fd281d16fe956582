/**
 * One read interface over a registry repository and an OCI layout on disk, so that the checks
 * read an image the same way wherever it lives. Implementations verify bytes against digests.
 */
import type { Readable } from 'node:stream';

export interface FetchedManifest {
  /** Raw bytes, already checked against `digest`. */
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

export interface ImageSource {
  /** Human-readable name for messages, e.g. `localhost:5000/app` or `oci-layout:///tmp/out`. */
  readonly name: string;
  /**
   * Fetch a manifest or index by tag or digest. `size` is the descriptor's, when the caller has
   * one (here and below): a body longer than it is refused without being read whole, a shorter
   * one fails.
   */
  getManifest(reference: string, size?: number): Promise<FetchedManifest>;
  /** Read a small blob (a config) whole; the bytes are checked against the digest. */
  getBlob(digest: string, size?: number): Promise<Buffer>;
  /**
   * Stream a blob. The stream errors if the bytes read do not match the digest, but only once
   * it is read to the end; callers that stop early accept the bytes they read as unverified.
   */
  openBlob(digest: string, size?: number): Promise<Readable>;
  /** Bytes fetched from the source so far (for the benchmark's bytes-read figure). */
  bytesRead(): number;
}
