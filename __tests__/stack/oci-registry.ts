/**
 * STAND-IN for a registry with the OCI 1.1 referrers API (GHCR, Docker Hub, Harbor, zot have
 * one; the stack's distribution 2.8 on :5000 does not, and none with it can be reached here).
 * An in-memory OCI distribution server on 127.0.0.1, no auth, just enough for pushes, pulls and
 * referrers:
 *
 *   GET  /v2/                                  API version check
 *   HEAD|GET /v2/<name>/blobs/<digest>
 *   POST /v2/<name>/blobs/uploads/[?mount=&from=]   → 202 + Location (or 201 when mounted)
 *   PUT  <location>?digest=…                   monolithic upload, digest checked
 *   HEAD|GET|PUT /v2/<name>/manifests/<ref>    PUT of a manifest with `subject` answers OCI-Subject
 *   GET  /v2/<name>/referrers/<digest>[?artifactType=]   index of referrers (OCI-Filters-Applied)
 *   GET  /v2/<name>/tags/list
 *
 * `pageSize` splits referrer listings into pages linked with `Link: <…>; rel="next"`.
 * `losesReferrers` answers OCI-Subject but never lists the referrer: a registry that claims the
 * API and drops the link, so nothing finds the signature afterwards.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readRequestBody } from './http.js';

interface StoredManifest {
  bytes: Buffer;
  mediaType: string;
}

export interface OciRegistryStandIn {
  /** `127.0.0.1:PORT`, as a reference or RegistryClient names it. */
  registry: string;
  url: string;
  /** Every request, `METHOD path?query`, for assertions. */
  requests: string[];
  /** Manifest bytes by `<repo>@<digest>`. */
  manifest(repo: string, digest: string): Buffer | undefined;
  tags(repo: string): string[];
  close(): Promise<void>;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export async function startOciRegistryStandIn(opts: { pageSize?: number; losesReferrers?: boolean } = {}): Promise<OciRegistryStandIn> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, StoredManifest>();
  const tags = new Map<string, Map<string, string>>();
  /** `<repo>@<subject>` → referrer manifest digests, in push order. */
  const referrers = new Map<string, string[]>();
  const uploads = new Map<string, string>();
  const requests: string[] = [];
  const pageSize = opts.pageSize ?? 1000;

  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    readRequestBody(req)
      .then((body) => handle(req, res, body))
      .catch((err: unknown) => error(res, 500, 'UNKNOWN', String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  function resolveRef(repo: string, ref: string): string | undefined {
    return ref.includes(':') ? ref : tags.get(repo)?.get(ref);
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const u = new URL(req.url ?? '/', url);
    const method = req.method ?? 'GET';
    res.setHeader('docker-distribution-api-version', 'registry/2.0');
    if (u.pathname === '/v2/' || u.pathname === '/v2') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    const m = /^\/v2\/(.+?)\/(blobs\/uploads\/?(.*)|blobs\/([^/]+)|manifests\/([^/]+)|referrers\/([^/]+)|tags\/list)$/.exec(u.pathname);
    if (!m) return error(res, 404, 'NAME_UNKNOWN', 'no such route');
    const repo = m[1]!;
    if (m[2]!.startsWith('blobs/uploads')) {
      const session = m[3];
      if (method === 'POST' && !session) {
        const mount = u.searchParams.get('mount');
        if (mount && blobs.has(mount)) return void res.writeHead(201, { location: `/v2/${repo}/blobs/${mount}`, 'docker-content-digest': mount }).end();
        const id = randomUUID();
        uploads.set(id, repo);
        return void res.writeHead(202, { location: `/v2/${repo}/blobs/uploads/${id}`, 'docker-upload-uuid': id, range: '0-0' }).end();
      }
      if (method === 'PUT' && session && uploads.has(session)) {
        const digest = u.searchParams.get('digest') ?? '';
        if (sha256(body) !== digest) return error(res, 400, 'DIGEST_INVALID', `got ${sha256(body)}`);
        uploads.delete(session);
        blobs.set(digest, body);
        return void res.writeHead(201, { location: `/v2/${repo}/blobs/${digest}`, 'docker-content-digest': digest }).end();
      }
      if (method === 'DELETE' && session) {
        uploads.delete(session);
        return void res.writeHead(204).end();
      }
      return error(res, 404, 'BLOB_UPLOAD_UNKNOWN', 'unknown upload');
    }
    if (m[4]) {
      const blob = blobs.get(m[4]);
      if (!blob) return error(res, 404, 'BLOB_UNKNOWN', m[4]);
      res.writeHead(200, { 'content-length': blob.length, 'docker-content-digest': m[4], 'content-type': 'application/octet-stream' });
      return void res.end(method === 'HEAD' ? undefined : blob);
    }
    if (m[5]) {
      const ref = m[5];
      if (method === 'PUT') {
        const digest = sha256(body);
        if (ref.includes(':') && ref !== digest) return error(res, 400, 'DIGEST_INVALID', `manifest hashes to ${digest}`);
        const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
        manifests.set(`${repo}@${digest}`, { bytes: body, mediaType });
        if (!ref.includes(':')) {
          if (!tags.has(repo)) tags.set(repo, new Map());
          tags.get(repo)!.set(ref, digest);
        }
        const headers: Record<string, string> = { location: `/v2/${repo}/manifests/${digest}`, 'docker-content-digest': digest };
        const subject = (JSON.parse(body.toString('utf8')) as { subject?: { digest?: string } }).subject?.digest;
        if (subject) {
          headers['oci-subject'] = subject;
          if (opts.losesReferrers) return void res.writeHead(201, headers).end();
          const key = `${repo}@${subject}`;
          const list = referrers.get(key) ?? [];
          if (!list.includes(digest)) list.push(digest);
          referrers.set(key, list);
        }
        return void res.writeHead(201, headers).end();
      }
      const digest = resolveRef(repo, ref);
      const stored = digest ? manifests.get(`${repo}@${digest}`) : undefined;
      if (!digest || !stored) return error(res, 404, 'MANIFEST_UNKNOWN', ref);
      res.writeHead(200, { 'content-type': stored.mediaType, 'content-length': stored.bytes.length, 'docker-content-digest': digest });
      return void res.end(method === 'HEAD' ? undefined : stored.bytes);
    }
    if (m[6]) {
      const artifactType = u.searchParams.get('artifactType');
      const all = (referrers.get(`${repo}@${m[6]}`) ?? []).map((d) => descriptorOf(d, manifests.get(`${repo}@${d}`)!));
      const wanted = artifactType ? all.filter((d) => d.artifactType === artifactType) : all;
      const start = Number(u.searchParams.get('last') ?? 0);
      const page = wanted.slice(start, start + pageSize);
      const headers: Record<string, string> = { 'content-type': OCI_INDEX };
      if (artifactType) headers['oci-filters-applied'] = 'artifactType';
      if (start + pageSize < wanted.length) {
        const next = new URL(u.toString());
        next.searchParams.set('last', String(start + pageSize));
        headers['link'] = `<${next.pathname}${next.search}>; rel="next"`;
      }
      return void res.writeHead(200, headers).end(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: page }));
    }
    return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: repo, tags: [...(tags.get(repo)?.keys() ?? [])] }));
  }

  return {
    registry: `127.0.0.1:${port}`,
    url,
    requests,
    manifest: (repo, digest) => manifests.get(`${repo}@${digest}`)?.bytes,
    tags: (repo) => [...(tags.get(repo)?.keys() ?? [])],
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  };
}

/** A referrer as the API lists it: artifactType (or the config's media type) and the manifest's annotations. */
function descriptorOf(digest: string, stored: StoredManifest): Record<string, unknown> {
  const doc = JSON.parse(stored.bytes.toString('utf8')) as { artifactType?: string; config?: { mediaType?: string }; annotations?: Record<string, string> };
  return {
    mediaType: stored.mediaType,
    digest,
    size: stored.bytes.length,
    artifactType: doc.artifactType ?? doc.config?.mediaType,
    ...(doc.annotations ? { annotations: doc.annotations } : {})
  };
}

function error(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code, message }] }));
}

