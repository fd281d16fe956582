/**
 * Does a `.dockerbuild` bundle hold a secret? The bundle (gzip'd tar of an OCI layout) carries
 * the build's request (build-arg values, secret ids, never secret values), its provenance, and
 * every step's output as BuildKit logged it. BuildKit does not mask: a `RUN` that prints a
 * mounted secret puts the value in the record in plain text, and an artifact is readable by
 * anyone who can read the run and is never masked by the runner. The blobs cannot be redacted
 * without breaking the digests that tie them together, so a bundle that holds a secret value is
 * not uploaded at all.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { ChunkReader } from '../verify/chunks.js';
import { TarReader } from '../verify/tar.js';

/** A blob larger than this is not searched (nor uploaded): a record is logs and JSON, kilobytes to megabytes. */
export const MAX_SCANNED_BLOB_BYTES = 256 * 1024 * 1024;

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/** `clean`, or why the bundle must not be uploaded (never naming the secret). */
export type RecordScan = { clean: true } | { clean: false; reason: string };

/**
 * Reads every blob of the bundle, and the inside of any gzip or zstd blob, and asks `holdsSecret`
 * (the redactor's forms of every secret value) about each.
 */
export async function scanRecordForSecrets(file: string, holdsSecret: (data: Buffer) => boolean): Promise<RecordScan> {
  const tar = new TarReader(new ChunkReader(fs.createReadStream(file).pipe(zlib.createGunzip())[Symbol.asyncIterator]()));
  try {
    for (let entry = await tar.next(); entry; entry = await tar.next()) {
      if (entry.type !== 'file') continue;
      if (entry.size > MAX_SCANNED_BLOB_BYTES) return { clean: false, reason: `${entry.name} is ${entry.size} bytes, too large to search for secrets` };
      const data = await tar.readData(entry.size);
      if (holdsSecret(data) || holdsSecret(unpacked(data))) return { clean: false, reason: `${entry.name} holds the value of a secret (a build step printed it; BuildKit logs are kept unmasked in the record)` };
    }
  } catch (err) {
    return { clean: false, reason: `it could not be read to search for secrets: ${(err as Error).message}` };
  }
  return { clean: true };
}

/** The decompressed bytes of a gzip or zstd blob; an empty buffer for anything else. */
function unpacked(data: Buffer): Buffer {
  const opts = { maxOutputLength: MAX_SCANNED_BLOB_BYTES };
  if (data.subarray(0, 2).equals(GZIP_MAGIC)) return zlib.gunzipSync(data, opts);
  if (data.subarray(0, 4).equals(ZSTD_MAGIC)) return zlib.zstdDecompressSync(data, opts);
  return Buffer.alloc(0);
}
