/**
 * A client for one registry's distribution API (OCI distribution spec v1): blobs, manifests,
 * uploads and cross-repository mounts. Everything read is checked against its digest; uploads
 * stream; transient failures are retried with backoff; errors carry the registry's own message.
 */
import { pipeline, type Readable } from 'node:stream';
import { ManifestMediaTypes, MediaType, type Descriptor, type ImageIndex } from '../types/oci.js';
import { Authenticator, repositoryScope } from './auth.js';
import type { Credentials } from './credentials.js';
import { assertDigest, digestAlgorithm, digestOf, VerifyingStream } from './digest.js';
import { RegistryError } from './errors.js';
import { resolveLocation } from './location.js';
import { parseManifest, resolveManifestMediaType } from './manifest.js';
import { ResumingBody, type ReopenedBody } from './resume.js';
import { assertRepository, isDigest, isTag, registryBaseUrl } from './reference.js';
import { Requester, type RegistryRequest, type RegistryResponse } from './requester.js';
import { DEFAULT_RETRY_POLICY, isTransient, withRetry, type RetryPolicy } from './retry.js';
import type { FetchedManifest } from './source.js';
import { drain, readBody, Transport } from './transport.js';

/** How to reach and authenticate to one registry. */
export interface RegistryClientOptions {
  /** Registry as in a parsed reference: `docker.io`, `ghcr.io`, `localhost:5000`. */
  registry: string;
  /** From resolveCredentials; omit for anonymous access. */
  credentials?: Credentials;
  /** Called with each bearer token obtained, before it is used (the action masks it). */
  onSecret?: (value: string) => void;
  /** Override parts of the retry policy (tests use a tiny base delay). */
  retry?: Partial<RetryPolicy>;
  /**
   * For this long after the client pushed a manifest, a 404 when reading it back is taken as the
   * registry's eventual consistency and retried, rather than as "not there".
   */
  consistencyWindowMs?: number;
  /** Idle socket timeout per request. */
  timeoutMs?: number;
  userAgent?: string;
}

/** A blob source for an upload: opened afresh for every attempt, so a retry can start over. */
export type BlobOpener = () => Readable | Promise<Readable>;

const MANIFEST_LIMIT = 4 * 1024 * 1024;
/** getBlob reads whole blobs into memory; it is meant for configs, which are small. */
const SMALL_BLOB_LIMIT = 32 * 1024 * 1024;
/** A referrers list longer than this many pages is taken as a misbehaving registry. */
const REFERRER_PAGES = 100;
const PULL = ['pull'] as const;
const PUSH = ['pull', 'push'] as const;

export class RegistryClient {
  readonly registry: string;
  readonly baseUrl: string;
  private readonly transport: Transport;
  private readonly requester: Requester;
  private readonly policy: RetryPolicy;
  private readonly consistencyWindowMs: number;
  private readonly pushedAt = new Map<string, number>();
  private read = 0;
  private written = 0;

  constructor(opts: RegistryClientOptions) {
    this.registry = opts.registry;
    this.baseUrl = registryBaseUrl(opts.registry);
    this.policy = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
    this.consistencyWindowMs = opts.consistencyWindowMs ?? 10_000;
    this.transport = new Transport(opts.userAgent ?? 'multiarch', opts.timeoutMs ?? 120_000);
    const auth = new Authenticator({
      registry: opts.registry,
      credentials: opts.credentials,
      transport: this.transport,
      onSecret: opts.onSecret ?? (() => undefined)
    });
    this.requester = new Requester(this.transport, auth, opts.registry, this.baseUrl);
  }

  /** Manifest and blob bytes received so far (what ImageSource.bytesRead reports). */
  bytesRead(): number {
    return this.read;
  }

  /** Blob and manifest bytes uploaded so far. */
  bytesWritten(): number {
    return this.written;
  }

  /** Close idle keep-alive connections; call when done so the process can exit promptly. */
  close(): void {
    this.transport.close();
  }

  /** Size and digest of a blob if the repository has it (size -1 if the registry does not say), undefined if not. */
  async headBlob(repo: string, digest: string): Promise<{ digest: string; size: number } | undefined> {
    const url = this.url(repo, 'blobs', checkDigest(digest));
    const res = await this.retrying({ method: 'HEAD', url, scopes: this.scopes(repo, PULL), follow: true, expect: [200, 404] });
    await drain(res.message);
    if (res.status === 404) return undefined;
    return { digest, size: Number(res.headers['content-length'] ?? -1) };
  }

  /** Upload a blob: POST for an upload session, then one streamed PUT. A failed attempt starts a new session. */
  async pushBlob(repo: string, digest: string, size: number, open: BlobOpener): Promise<void> {
    checkDigest(digest);
    await withRetry(this.policy, async () => {
      const location = await this.startUpload(repo, this.url(repo, 'blobs/uploads/'));
      await this.finishUpload(repo, location, digest, size, open);
    });
  }

  /**
   * Ask the registry to link a blob from another repository it holds, instead of uploading it.
   * Returns true if mounted. If the registry declines (202), the blob is uploaded through the
   * session it opened when `upload` is given (returning false), or the session is cancelled.
   */
  async mountBlob(
    repo: string,
    digest: string,
    fromRepo: string,
    upload?: { size: number; open: BlobOpener }
  ): Promise<boolean> {
    assertRepository(fromRepo);
    const url = new URL(this.url(repo, 'blobs/uploads/'));
    url.searchParams.set('mount', checkDigest(digest));
    url.searchParams.set('from', fromRepo);
    const scopes = [...this.scopes(repo, PUSH), repositoryScope(fromRepo, PULL)];
    const res = await this.retrying({ method: 'POST', url: url.toString(), scopes, expect: [201, 202] });
    await drain(res.message);
    if (res.status === 201) return true;

    const location = this.location(res);
    if (!upload) {
      await this.cancelUpload(repo, location);
      return false;
    }
    try {
      await this.finishUpload(repo, location, digest, upload.size, upload.open);
    } catch (err) {
      if (!isTransient(err)) throw err;
      // The session the mount opened is spoilt; an ordinary upload starts its own.
      await this.pushBlob(repo, digest, upload.size, upload.open);
    }
    return false;
  }

  /**
   * Fetch a manifest or index by tag or digest; the bytes are checked against the digest, and
   * against `size` when a descriptor gave one: a longer body is cut off at that size, unread.
   */
  async getManifest(repo: string, ref: string, size?: number): Promise<FetchedManifest> {
    if (size !== undefined && !(Number.isSafeInteger(size) && size >= 0 && size <= MANIFEST_LIMIT)) {
      throw new Error(`manifest ${this.registry}/${repo}@${ref}: descriptor size ${size} is not between 0 and ${MANIFEST_LIMIT} bytes`);
    }
    const url = this.url(repo, 'manifests', checkRef(ref));
    const request: RegistryRequest = {
      method: 'GET',
      url,
      scopes: this.scopes(repo, PULL),
      headers: { accept: ManifestMediaTypes.join(', ') },
      follow: true,
      expect: [200]
    };
    return withRetry(
      this.policy,
      async () => {
        const res = await this.requester.send(request);
        const where = `manifest ${this.registry}/${repo}@${ref}`;
        const bytes = await readBody(res.message, size ?? MANIFEST_LIMIT).catch((err: unknown) => {
          throw size !== undefined && /larger than/.test(String(err)) ? new Error(`${where} is larger than its descriptor's size of ${size} bytes`) : err;
        });
        this.read += bytes.length;
        if (size !== undefined && bytes.length !== size) throw new Error(`${where} has ${bytes.length} bytes, expected ${size} (its descriptor's size)`);
        const headerDigest = validHeaderDigest(res.headers['docker-content-digest']);
        if (isDigest(ref)) assertDigest(bytes, ref, where);
        if (headerDigest) assertDigest(bytes, headerDigest, where);
        const digest = isDigest(ref) ? ref : (headerDigest ?? digestOf(bytes));
        return { bytes, digest, mediaType: resolveManifestMediaType(headerValue(res.headers['content-type']), bytes) };
      },
      (err) => isTransient(err) || this.isEventuallyConsistent(err, repo, ref)
    );
  }

  /** Descriptor of a manifest if it exists, undefined on 404. */
  async headManifest(repo: string, ref: string): Promise<Descriptor | undefined> {
    const url = this.url(repo, 'manifests', checkRef(ref));
    const request: RegistryRequest = {
      method: 'HEAD',
      url,
      scopes: this.scopes(repo, PULL),
      headers: { accept: ManifestMediaTypes.join(', ') },
      follow: true,
      expect: [200, 404]
    };
    let res: RegistryResponse;
    try {
      res = await withRetry(
        this.policy,
        async () => {
          const answer = await this.requester.send(request);
          await drain(answer.message);
          if (answer.status === 404 && this.wasPushedRecently(repo, ref)) {
            throw new RegistryError('HEAD', url, 404, ['MANIFEST_UNKNOWN'], 'not visible yet after push');
          }
          return answer;
        },
        (err) => isTransient(err) || this.isEventuallyConsistent(err, repo, ref)
      );
    } catch (err) {
      if (err instanceof RegistryError && err.status === 404) return undefined;
      throw err;
    }
    if (res.status === 404) return undefined;

    const digest = validHeaderDigest(res.headers['docker-content-digest']) ?? (isDigest(ref) ? ref : undefined);
    const mediaType = (headerValue(res.headers['content-type']) ?? '').split(';')[0]?.trim() ?? '';
    const size = Number(res.headers['content-length']);
    if (digest && ManifestMediaTypes.includes(mediaType) && Number.isSafeInteger(size)) {
      return { mediaType, digest, size };
    }
    // Some registries leave the digest or type off a HEAD; the GET tells us for certain.
    const fetched = await this.getManifest(repo, ref);
    return { mediaType: fetched.mediaType, digest: fetched.digest, size: fetched.bytes.length };
  }

  /**
   * PUT exact manifest bytes under a tag or digest. Returns the digest, after checking it against
   * the one the registry reports (a registry that rewrites manifests would break signatures).
   */
  async putManifest(repo: string, ref: string, bytes: Buffer, mediaType: string): Promise<string> {
    return (await this.putManifestDetailed(repo, ref, bytes, mediaType)).digest;
  }

  /**
   * putManifest, also returning the `OCI-Subject` header: a registry with the referrers API sets
   * it when it indexed the manifest's `subject`; without it the client keeps the tag index itself.
   */
  async putManifestDetailed(repo: string, ref: string, bytes: Buffer, mediaType: string): Promise<{ digest: string; ociSubject?: string }> {
    const algorithm = isDigest(checkRef(ref)) ? digestAlgorithm(ref) : 'sha256';
    const digest = digestOf(bytes, algorithm);
    if (isDigest(ref) && ref !== digest) {
      throw new Error(`manifest bytes hash to ${digest}, not to the digest ${ref} they are being pushed under`);
    }
    const url = this.url(repo, 'manifests', ref);
    const res = await this.retrying({
      method: 'PUT',
      url,
      scopes: this.scopes(repo, PUSH),
      headers: { 'content-type': mediaType },
      body: () => bytes,
      expect: [200, 201, 202, 204]
    });
    await drain(res.message);
    this.written += bytes.length;
    const reported = validHeaderDigest(res.headers['docker-content-digest']);
    if (reported && reported !== digest && digestAlgorithm(reported) === algorithm) {
      throw new Error(`${this.registry}/${repo}: registry stored manifest ${ref} as ${reported}, expected ${digest}`);
    }
    const now = Date.now();
    this.pushedAt.set(`${repo}@${ref}`, now);
    this.pushedAt.set(`${repo}@${digest}`, now);
    const ociSubject = validHeaderDigest(res.headers['oci-subject']);
    return { digest, ...(ociSubject ? { ociSubject } : {}) };
  }

  /**
   * The referrers API (OCI distribution 1.1): an index of the manifests whose `subject` is
   * `digest`, every page of it (`Link: <…>; rel="next"`). Undefined on 404, which means the
   * registry has no referrers API and the caller falls back to the tag index. `filtered` says
   * whether the registry applied the artifactType filter (OCI-Filters-Applied); when it did not,
   * the caller filters.
   */
  async getReferrers(repo: string, digest: string, artifactType?: string): Promise<{ index: ImageIndex; filtered: boolean } | undefined> {
    const first = new URL(this.url(repo, 'referrers', checkDigest(digest)));
    if (artifactType) first.searchParams.set('artifactType', artifactType);
    const manifests: Descriptor[] = [];
    let filtered = Boolean(artifactType);
    let next: string | undefined = first.toString();
    for (let page = 0; next; page++) {
      if (page >= REFERRER_PAGES) throw new Error(`${this.registry}/${repo}: referrers of ${digest} run past ${REFERRER_PAGES} pages`);
      const res = await this.retrying({ method: 'GET', url: next, scopes: this.scopes(repo, PULL), headers: { accept: MediaType.OciIndex }, follow: true, expect: [200, 404] });
      if (res.status === 404) {
        await drain(res.message);
        if (page === 0) return undefined;
        throw new Error(`${this.registry}/${repo}: referrers page ${next} vanished (404)`);
      }
      const bytes = await readBody(res.message, MANIFEST_LIMIT);
      this.read += bytes.length;
      const parsed = parseManifest(bytes, MediaType.OciIndex, `referrers of ${this.registry}/${repo}@${digest}`);
      if (parsed.kind !== 'index') throw new Error(`referrers of ${this.registry}/${repo}@${digest}: the registry answered with a manifest, not an index`);
      manifests.push(...parsed.index.manifests);
      if (artifactType && !/\bartifactType\b/.test(headerValue(res.headers['oci-filters-applied']) ?? '')) filtered = false;
      next = nextLink(headerValue(res.headers.link), res.url);
    }
    return { index: { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests }, filtered };
  }

  /**
   * Stream a blob (following redirects to blob storage without our credentials). The stream errors
   * at its end if the bytes do not match the digest (or the size, when given).
   */
  async openBlob(repo: string, digest: string, size?: number): Promise<Readable> {
    const url = this.url(repo, 'blobs', checkDigest(digest));
    const res = await this.retrying({ method: 'GET', url, scopes: this.scopes(repo, PULL), follow: true, expect: [200] });
    const verifier = new VerifyingStream(digest, `blob ${this.registry}/${repo}@${digest}`, size, (n) => {
      this.read += n;
    });
    // A connection dropped mid-body is re-opened from where it stopped (resume.ts); the verifier
    // sees one contiguous stream either way.
    const body = new ResumingBody(res.message, (offset) => this.reopenBlob(repo, url, offset), this.policy);
    // pipeline forwards a failure the resume gave up on to the reader, and a reader that stops early frees the socket.
    return pipeline(body, verifier, () => undefined);
  }

  /** The blob from byte `offset`: a 206 from there, or a 200 from 0 when the registry ignores Range. */
  private async reopenBlob(repo: string, url: string, offset: number): Promise<ReopenedBody> {
    const res = await this.retrying({ method: 'GET', url, scopes: this.scopes(repo, PULL), follow: true, headers: { range: `bytes=${offset}-` }, expect: [200, 206] });
    if (res.status === 200) return { body: res.message, start: 0 };
    const start = Number(/^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''))?.[1]);
    if (!Number.isSafeInteger(start)) {
      await drain(res.message);
      throw new Error(`GET ${url}: a 206 answer to a Range request without a Content-Range (got ${JSON.stringify(res.headers['content-range'] ?? null)})`);
    }
    return { body: res.message, start };
  }

  /** Read a small blob (a config) whole, verified (and against `size`, when a descriptor gave one). */
  async getBlob(repo: string, digest: string, size?: number): Promise<Buffer> {
    const stream = await this.openBlob(repo, digest, size);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > SMALL_BLOB_LIMIT) {
        stream.destroy();
        throw new Error(`blob ${digest} is larger than ${SMALL_BLOB_LIMIT} bytes; stream it with openBlob`);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  /** Delete a manifest by digest (registries refuse deletion by tag, or deletion altogether). */
  async deleteManifest(repo: string, digest: string): Promise<void> {
    const url = this.url(repo, 'manifests', checkDigest(digest));
    const res = await this.retrying({
      method: 'DELETE',
      url,
      scopes: this.scopes(repo, ['pull', 'push', 'delete']),
      expect: [200, 202, 204]
    });
    await drain(res.message);
  }

  private async startUpload(repo: string, url: string): Promise<string> {
    const res = await this.requester.send({ method: 'POST', url, scopes: this.scopes(repo, PUSH), expect: [202] });
    await drain(res.message);
    return this.location(res);
  }

  private async finishUpload(repo: string, location: string, digest: string, size: number, open: BlobOpener): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const res = await this.requester.send({
      method: 'PUT',
      url: url.toString(),
      scopes: this.scopes(repo, PUSH),
      headers: { 'content-type': 'application/octet-stream', 'content-length': size },
      body: async () => {
        const source = await open();
        // Check the local bytes on the way out, so a corrupt source fails here with a clear message.
        const verifier = new VerifyingStream(digest, `local blob ${digest}`, size, (n) => {
          this.written += n;
        });
        return pipeline(source, verifier, () => undefined);
      },
      expect: [201, 204]
    });
    await drain(res.message);
  }

  private async cancelUpload(repo: string, location: string): Promise<void> {
    try {
      const res = await this.requester.send({
        method: 'DELETE',
        url: location,
        scopes: this.scopes(repo, PUSH),
        expect: [200, 202, 204, 404]
      });
      await drain(res.message);
    } catch {
      // Abandoned sessions expire on their own; cancelling is only a courtesy.
    }
  }

  private location(res: RegistryResponse): string {
    const location = headerValue(res.headers.location);
    if (!location) throw new Error(`${this.registry}: upload response (${res.status}) has no Location header`);
    // The blob's bytes go to this URL next: checked like a redirect (no https → http).
    return resolveLocation(location, res.url, `${this.registry}: upload Location`);
  }

  /** A request that is safe to repeat, retried on transient failures. */
  private retrying(request: RegistryRequest): Promise<RegistryResponse> {
    return withRetry(this.policy, () => this.requester.send(request));
  }

  private url(repo: string, kind: 'blobs' | 'manifests' | 'blobs/uploads/' | 'referrers', ref = ''): string {
    assertRepository(repo);
    return `${this.baseUrl}/v2/${repo}/${kind}${ref ? `/${ref}` : ''}`;
  }

  private scopes(repo: string, actions: readonly string[]): string[] {
    return [repositoryScope(repo, actions)];
  }

  private wasPushedRecently(repo: string, ref: string): boolean {
    const at = this.pushedAt.get(`${repo}@${ref}`);
    return at !== undefined && Date.now() - at < this.consistencyWindowMs;
  }

  private isEventuallyConsistent(err: unknown, repo: string, ref: string): boolean {
    return err instanceof RegistryError && err.status === 404 && this.wasPushedRecently(repo, ref);
  }
}

function checkDigest(digest: string): string {
  if (!isDigest(digest)) throw new Error(`invalid or unsupported digest ${JSON.stringify(digest)}`);
  return digest;
}

function checkRef(ref: string): string {
  if (!isDigest(ref) && !isTag(ref)) throw new Error(`invalid manifest reference ${JSON.stringify(ref)}: expected a tag or a digest`);
  return ref;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The Docker-Content-Digest header, if it holds a digest we can check against. */
function validHeaderDigest(value: string | string[] | undefined): string | undefined {
  const text = headerValue(value)?.trim();
  return text && isDigest(text) ? text : undefined;
}

/** The `rel="next"` target of a Link header (RFC 5988), resolved against the page it came from. */
export function nextLink(link: string | undefined, base: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /\brel="?next"?/.test(m[2]!)) return resolveLocation(m[1]!, base, 'referrers Link');
  }
  return undefined;
}
