/**
 * A small in-memory registry on 127.0.0.1 for the client tests: the distribution endpoints the
 * client uses, plus switches for auth schemes, injected failures, redirects to a second
 * "blob storage" server, corrupt bodies and eventual consistency. Not a test file itself.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readRequestBody } from '../stack/http.js';

export interface RecordedRequest {
  server: 'registry' | 'storage' | 'token';
  method: string;
  url: string;
  authorization?: string;
}

export interface Fault {
  method?: string;
  /** Matches when the request path contains this. */
  path?: string | RegExp;
  /** How many matching requests to fail; defaults to 1. */
  times?: number;
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Drop the connection instead of answering. */
  reset?: boolean;
  /** Never answer (the client's socket timeout must fire). */
  hang?: boolean;
}

interface StoredManifest {
  bytes: Buffer;
  mediaType: string;
}

interface Repo {
  blobs: Map<string, Buffer>;
  manifests: Map<string, StoredManifest>;
  tags: Map<string, string>;
}

export interface FakeRegistryOptions {
  auth?: 'none' | 'basic' | 'bearer';
  /** username → password */
  users?: Record<string, string>;
  /** Bearer: anonymous token requests are granted pull (like Docker Hub's public images). */
  anonymousPull?: boolean;
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export class FakeRegistry {
  readonly repos = new Map<string, Repo>();
  readonly requests: RecordedRequest[] = [];
  readonly tokenScopes: string[][] = [];
  readonly faults: Fault[] = [];
  /** Serve blob GETs as a 307 to the storage server. */
  redirectBlobs = false;
  /** Blobs served with a flipped byte. */
  readonly corruptBlobs = new Set<string>();
  /** Manifests served with a flipped byte (the Docker-Content-Digest header stays right). */
  readonly corruptManifests = new Set<string>();
  /** Answer manifest PUTs with a Docker-Content-Digest that is not the bytes' digest. */
  wrongPutDigest = false;
  /** Answer mount requests with 202 (not mounted) even when the source has the blob. */
  declineMounts = false;
  /** After each manifest PUT, this many reads of it answer 404 (eventual consistency). */
  hideAfterPush = 0;
  /** Most blob upload PUTs seen in flight at once. */
  maxConcurrentUploads = 0;
  /** Tokens issued, so tests can check they were passed to onSecret. */
  readonly tokensIssued: string[] = [];

  private readonly registry: Server;
  private readonly storage: Server;
  private readonly tokens = new Map<string, Map<string, Set<string>>>();
  private readonly uploads = new Map<string, string>();
  private readonly hidden = new Map<string, number>();
  private uploadsInFlight = 0;

  constructor(private readonly opts: FakeRegistryOptions = {}) {
    this.registry = createServer((req, res) => this.handle(req, res).catch((err: Error) => this.crash(res, err)));
    this.storage = createServer((req, res) => this.serveStorage(req, res));
  }

  /** `127.0.0.1:<port>`, the registry name the client is given. */
  get host(): string {
    return `127.0.0.1:${(this.registry.address() as AddressInfo).port}`;
  }

  get storageOrigin(): string {
    return `http://127.0.0.1:${(this.storage.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    await Promise.all(
      [this.registry, this.storage].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve)))
    );
    return this;
  }

  async stop(): Promise<void> {
    for (const s of [this.registry, this.storage]) s.closeAllConnections();
    await Promise.all([this.registry, this.storage].map((s) => new Promise((resolve) => s.close(resolve))));
  }

  repo(name: string): Repo {
    let repo = this.repos.get(name);
    if (!repo) {
      repo = { blobs: new Map(), manifests: new Map(), tags: new Map() };
      this.repos.set(name, repo);
    }
    return repo;
  }

  /** Put a blob straight into a repository; returns its digest. */
  seedBlob(repo: string, bytes: Buffer): string {
    const digest = sha256(bytes);
    this.repo(repo).blobs.set(digest, bytes);
    return digest;
  }

  registryRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.server === 'registry');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${this.host}`);
    const method = req.method ?? 'GET';
    if (url.pathname === '/token') return this.serveToken(req, res, url);
    this.requests.push({ server: 'registry', method, url: req.url ?? '', authorization: req.headers.authorization });

    const fault = this.takeFault(method, url.pathname);
    if (fault) {
      if (fault.reset) {
        req.socket.destroy();
        return;
      }
      if (fault.hang) return;
      await readRequestBody(req);
      return send(res, fault.status ?? 500, fault.body ?? errors('FAULT', 'injected failure'), fault.headers);
    }

    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      if (!this.authorised(req, res, undefined, [])) return;
      return send(res, 200, {});
    }

    const m = /^\/v2\/(.+)\/(blobs\/uploads\/([^/]*)|blobs\/([^/]+)|manifests\/([^/]+))$/.exec(url.pathname);
    if (!m) return send(res, 404, errors('NAME_UNKNOWN', 'no such route'));
    const name = m[1] as string;
    const uploadId = m[3];
    const blobDigest = m[4];
    const manifestRef = m[5];

    if (uploadId !== undefined) return this.handleUpload(req, res, method, url, name, uploadId);
    if (blobDigest !== undefined) {
      if (!this.authorised(req, res, name, ['pull'])) return;
      return this.serveBlob(res, method, name, blobDigest);
    }
    if (manifestRef !== undefined) return this.handleManifest(req, res, method, name, manifestRef);
  }

  private serveBlob(res: ServerResponse, method: string, name: string, digest: string): void {
    const blob = this.repo(name).blobs.get(digest);
    if (!blob) return send(res, 404, errors('BLOB_UNKNOWN', 'blob unknown to registry'));
    if (method === 'HEAD') {
      res.writeHead(200, { 'content-length': blob.length, 'docker-content-digest': digest });
      res.end();
      return;
    }
    if (this.redirectBlobs) {
      res.writeHead(307, { location: `${this.storageOrigin}/blob/${digest}?sig=SIGNED-SECRET` });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-length': blob.length, 'content-type': 'application/octet-stream' });
    res.end(this.corruptBlobs.has(digest) ? flip(blob) : blob);
  }

  private async handleUpload(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    url: URL,
    name: string,
    uploadId: string
  ): Promise<void> {
    const mountFrom = url.searchParams.get('from');
    if (!this.authorised(req, res, name, ['pull', 'push'], mountFrom ?? undefined)) {
      await readRequestBody(req);
      return;
    }
    if (method === 'POST' && uploadId === '') {
      await readRequestBody(req);
      const mount = url.searchParams.get('mount');
      if (mount && mountFrom && !this.declineMounts) {
        const blob = this.repo(mountFrom).blobs.get(mount);
        if (blob) {
          this.repo(name).blobs.set(mount, blob);
          res.writeHead(201, { location: `/v2/${name}/blobs/${mount}`, 'docker-content-digest': mount, 'content-length': 0 });
          res.end();
          return;
        }
      }
      const id = randomBytes(8).toString('hex');
      this.uploads.set(id, name);
      res.writeHead(202, { location: `/v2/${name}/blobs/uploads/${id}?_state=opaque`, 'content-length': 0 });
      res.end();
      return;
    }
    if (method === 'PUT') {
      this.maxConcurrentUploads = Math.max(this.maxConcurrentUploads, ++this.uploadsInFlight);
      let body: Buffer;
      try {
        body = await readRequestBody(req);
        // Hold the upload open a little, so that concurrent uploads overlap measurably.
        await new Promise((resolve) => setTimeout(resolve, 5));
      } finally {
        this.uploadsInFlight--;
      }
      if (this.uploads.get(uploadId) !== name) return send(res, 404, errors('BLOB_UPLOAD_UNKNOWN', 'upload unknown'));
      const digest = url.searchParams.get('digest') ?? '';
      if (sha256(body) !== digest) return send(res, 400, errors('DIGEST_INVALID', 'provided digest did not match uploaded content'));
      this.uploads.delete(uploadId);
      this.repo(name).blobs.set(digest, body);
      res.writeHead(201, { location: `/v2/${name}/blobs/${digest}`, 'docker-content-digest': digest, 'content-length': 0 });
      res.end();
      return;
    }
    if (method === 'DELETE') {
      this.uploads.delete(uploadId);
      res.writeHead(204);
      res.end();
      return;
    }
    send(res, 405, errors('UNSUPPORTED', 'method not allowed'));
  }

  private async handleManifest(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    name: string,
    ref: string
  ): Promise<void> {
    const repo = this.repo(name);
    if (method === 'GET' || method === 'HEAD') {
      if (!this.authorised(req, res, name, ['pull'])) return;
      const digest = ref.includes(':') ? ref : repo.tags.get(ref);
      const stored = digest ? repo.manifests.get(digest) : undefined;
      const hiddenFor = digest ? (this.hidden.get(`${name}@${ref}`) ?? 0) : 0;
      if (!stored || !digest || hiddenFor > 0) {
        if (hiddenFor > 0) this.hidden.set(`${name}@${ref}`, hiddenFor - 1);
        return send(res, 404, errors('MANIFEST_UNKNOWN', 'manifest unknown'), {}, method === 'HEAD');
      }
      const bytes = this.corruptManifests.has(digest) ? flip(stored.bytes) : stored.bytes;
      res.writeHead(200, {
        'content-type': stored.mediaType,
        'content-length': bytes.length,
        'docker-content-digest': digest
      });
      res.end(method === 'HEAD' ? undefined : bytes);
      return;
    }
    if (method === 'PUT') {
      const body = await readRequestBody(req);
      if (!this.authorised(req, res, name, ['pull', 'push'])) return;
      const digest = sha256(body);
      if (ref.includes(':') && ref !== digest) return send(res, 400, errors('DIGEST_INVALID', 'digest mismatch'));
      const missing = this.missingReferences(repo, body);
      if (missing) return send(res, 400, errors(missing.code, `${missing.digest} not found`));
      repo.manifests.set(digest, { bytes: body, mediaType: String(req.headers['content-type']) });
      if (!ref.includes(':')) repo.tags.set(ref, digest);
      if (this.hideAfterPush > 0) {
        this.hidden.set(`${name}@${ref}`, this.hideAfterPush);
        this.hidden.set(`${name}@${digest}`, this.hideAfterPush);
      }
      res.writeHead(201, {
        location: `/v2/${name}/manifests/${digest}`,
        'docker-content-digest': this.wrongPutDigest ? sha256(Buffer.from('something else')) : digest,
        'content-length': 0
      });
      res.end();
      return;
    }
    if (method === 'DELETE') {
      if (!this.authorised(req, res, name, ['delete'])) return;
      if (!repo.manifests.delete(ref)) return send(res, 404, errors('MANIFEST_UNKNOWN', 'manifest unknown'));
      res.writeHead(202, { 'content-length': 0 });
      res.end();
      return;
    }
    send(res, 405, errors('UNSUPPORTED', 'method not allowed'));
  }

  /** Like distribution, refuse a manifest whose blobs or child manifests are not in the repository. */
  private missingReferences(repo: Repo, body: Buffer): { code: string; digest: string } | undefined {
    const doc = JSON.parse(body.toString()) as {
      manifests?: { digest: string }[];
      config?: { digest: string; urls?: string[] };
      layers?: { digest: string; urls?: string[] }[];
    };
    for (const child of doc.manifests ?? []) {
      if (!repo.manifests.has(child.digest)) return { code: 'MANIFEST_UNKNOWN', digest: child.digest };
    }
    for (const blob of [doc.config, ...(doc.layers ?? [])]) {
      if (!blob || (blob.urls?.length ?? 0) > 0) continue;
      if (!repo.blobs.has(blob.digest)) return { code: 'MANIFEST_BLOB_UNKNOWN', digest: blob.digest };
    }
    return undefined;
  }

  /** Check auth for an action on a repository; on failure answer 401 with a challenge and return false. */
  private authorised(
    req: IncomingMessage,
    res: ServerResponse,
    repo: string | undefined,
    actions: string[],
    fromRepo?: string
  ): boolean {
    const auth = this.opts.auth ?? 'none';
    const header = req.headers.authorization ?? '';
    if (auth === 'none') return true;
    if (auth === 'basic') {
      if (this.validBasic(header)) return true;
      send(res, 401, errors('UNAUTHORIZED', 'authentication required'), { 'www-authenticate': 'Basic realm="fake"' });
      return false;
    }
    const grants = header.startsWith('Bearer ') ? this.tokens.get(header.slice(7)) : undefined;
    const has = (r: string, a: string[]): boolean => a.every((x) => grants?.get(r)?.has(x));
    if (grants && (repo === undefined || (has(repo, actions) && (!fromRepo || has(fromRepo, ['pull']))))) return true;
    const scope = repo === undefined ? '' : `,scope="repository:${repo}:${actions.join(',')}"`;
    send(res, 401, errors('UNAUTHORIZED', 'authentication required'), {
      'www-authenticate': `Bearer realm="http://${this.host}/token",service="fake-registry"${scope}`
    });
    return false;
  }

  private validBasic(header: string): boolean {
    if (!header.startsWith('Basic ')) return false;
    const [user, ...rest] = Buffer.from(header.slice(6), 'base64').toString().split(':');
    return user !== undefined && this.opts.users?.[user] === rest.join(':');
  }

  private serveToken(req: IncomingMessage, res: ServerResponse, url: URL): void {
    this.requests.push({ server: 'token', method: req.method ?? 'GET', url: req.url ?? '', authorization: req.headers.authorization });
    const header = req.headers.authorization;
    if (header && !this.validBasic(header)) return send(res, 401, { details: 'incorrect username or password' });
    if (url.searchParams.get('service') !== 'fake-registry') return send(res, 400, { details: 'wrong service' });
    const scopes = url.searchParams.getAll('scope');
    this.tokenScopes.push(scopes);
    const grants = new Map<string, Set<string>>();
    for (const scope of scopes) {
      const [, repo, actions] = /^repository:(.+):([^:]+)$/.exec(scope) ?? [];
      if (!repo || !actions) continue;
      const allowed = actions.split(',').filter((a) => header || (this.opts.anonymousPull && a === 'pull'));
      grants.set(repo, new Set([...(grants.get(repo) ?? []), ...allowed]));
    }
    const token = `tok-${randomBytes(8).toString('hex')}`;
    this.tokens.set(token, grants);
    this.tokensIssued.push(token);
    send(res, 200, { token, access_token: token, expires_in: 300 });
  }

  private serveStorage(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push({ server: 'storage', method: req.method ?? 'GET', url: req.url ?? '', authorization: req.headers.authorization });
    const digest = /^\/blob\/([^?]+)/.exec(req.url ?? '')?.[1];
    for (const repo of this.repos.values()) {
      const blob = digest ? repo.blobs.get(digest) : undefined;
      if (blob && digest) {
        res.writeHead(200, { 'content-length': blob.length });
        res.end(this.corruptBlobs.has(digest) ? flip(blob) : blob);
        return;
      }
    }
    res.writeHead(404);
    res.end();
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const fault = this.faults.find(
      (f) =>
        (f.times ?? 1) > 0 &&
        (!f.method || f.method === method) &&
        (!f.path || (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path)))
    );
    if (fault) fault.times = (fault.times ?? 1) - 1;
    return fault;
  }

  private crash(res: ServerResponse, err: Error): void {
    if (!res.headersSent) send(res, 500, errors('FAKE_CRASHED', err.message));
  }
}

export function errors(code: string, message: string): { errors: { code: string; message: string }[] } {
  return { errors: [{ code, message }] };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, head = false): void {
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length, ...headers });
  res.end(head ? undefined : bytes);
}


function flip(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  if (copy.length > 0) copy[0] = (copy[0] ?? 0) ^ 0xff;
  return copy;
}
