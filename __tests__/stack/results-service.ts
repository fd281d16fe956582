/**
 * A STAND-IN for GitHub's Actions control plane (the "results" service a runner points
 * ACTIONS_RESULTS_URL at), for tests only: a node:http Twirp JSON server on 127.0.0.1 that
 * answers what the real `@actions/cache` (v2 cache service) and `@actions/artifact` clients
 * call, and hands out SAS URLs into Azurite (azurite.ts), which stands in for Azure Blob Storage.
 * It is not GitHub: no branches or cache scopes, no quotas, no retention; one workflow run.
 *
 * The wire format was read from the clients' generated protobuf-ts code
 * (node_modules/@actions/{cache,artifact}/lib/generated/results/api/v1/*.js): requests arrive
 * as proto-field-name JSON, int64 as decimal strings, wrappers (StringValue, Int64Value) as bare
 * values, Timestamps as RFC 3339 strings. Errors follow Twirp: an HTTP status and
 * `{"code": "...", "msg": "..."}`.
 *
 *   CacheService    CreateCacheEntry, FinalizeCacheEntryUpload, GetCacheEntryDownloadURL
 *   ArtifactService CreateArtifact, FinalizeArtifact, ListArtifacts, GetSignedArtifactURL, DeleteArtifact
 *
 * Behaviours a build must survive: CreateCacheEntry for a key+version that exists answers 409
 * `already_exists` (the real service does; @actions/cache logs it and carries on), and
 * setUnavailable(true) makes every Twirp call answer 503 `unavailable` (the clients retry 5
 * times with backoff from 3 s, so a call takes ~25 s to give up).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { BlobSASPermissions, BlobServiceClient, generateBlobSASQueryParameters, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { startAzurite, type Azurite } from './azurite.js';

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.';
const CONTAINER = 'actions-results';

/** One Twirp call as the stand-in saw it. */
export interface RecordedCall {
  service: 'CacheService' | 'ArtifactService' | string;
  method: string;
  /** The JSON request body (proto field names). */
  request: Record<string, unknown>;
  /** HTTP status answered: 200, or the Twirp error's status. */
  status: number;
  /** The Twirp error code when status is not 200. */
  error?: string;
}

/** A cache entry: reserved by CreateCacheEntry, readable once finalized. */
export interface CacheEntryRecord {
  id: number;
  key: string;
  version: string;
  blobName: string;
  finalized: boolean;
  sizeBytes?: number;
  /** ms since the epoch; the newest match wins a prefix lookup, as on GitHub. */
  createdAt: number;
}

export interface ArtifactRecord {
  id: number;
  name: string;
  runBackendId: string;
  jobBackendId: string;
  blobName: string;
  finalized: boolean;
  size?: number;
  /** `sha256:<hex>` as the client reported it at finalize. */
  digest?: string;
  mimeType?: string;
  createdAt: number;
}

export interface ResultsService {
  /**
   * What a runner would export for the step: ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL and
   * ACTIONS_CACHE_SERVICE_V2. No ACTIONS_CACHE_URL: the v1 cache protocol is not served, and
   * setting it would send a v1 client to a server that does not speak it. Note that both
   * clients treat GITHUB_SERVER_URL other than github.com / *.ghe.com / *.localhost as GHES
   * (cache falls back to v1, artifact refuses): leave it unset.
   */
  env: Record<string, string>;
  /** `http://127.0.0.1:PORT/`. */
  url: string;
  /** The workflow run and job backend IDs carried in the token's `scp` claim. */
  runBackendId: string;
  jobBackendId: string;
  calls: RecordedCall[];
  cacheEntries: CacheEntryRecord[];
  artifacts: ArtifactRecord[];
  /** The storage the SAS URLs point into. */
  storage: Azurite;
  /** While on, every Twirp call answers `status` (default 503, Twirp `unavailable`). */
  setUnavailable(on: boolean, status?: number): void;
  /** Stops the server, and Azurite too when this service started it. */
  stop(): Promise<void>;
}

export interface ResultsServiceOptions {
  /** An Azurite to use (left running at stop); by default one is started and stopped with the service. */
  storage?: Azurite;
  /** Lifetime of the SAS URLs handed out (default 1 h). */
  sasTtlSeconds?: number;
}

class TwirpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message);
  }
}

export async function startResultsService(opts: ResultsServiceOptions = {}): Promise<ResultsService> {
  const ownStorage = !opts.storage;
  const storage = opts.storage ?? (await startAzurite());
  try {
    const credential = new StorageSharedKeyCredential(storage.accountName, storage.accountKey);
    const container = BlobServiceClient.fromConnectionString(storage.connectionString).getContainerClient(CONTAINER);
    await container.createIfNotExists();
    return await listen(storage, ownStorage, container, credential, opts.sasTtlSeconds ?? 3600);
  } catch (err) {
    if (ownStorage) await storage.stop();
    throw err;
  }
}

async function listen(storage: Azurite, ownStorage: boolean, container: ContainerClient, credential: StorageSharedKeyCredential, sasTtl: number): Promise<ResultsService> {
  const runBackendId = randomUUID();
  const jobBackendId = randomUUID();
  const token = makeRuntimeToken(runBackendId, jobBackendId);
  const calls: RecordedCall[] = [];
  const cacheEntries: CacheEntryRecord[] = [];
  const artifacts: ArtifactRecord[] = [];
  let unavailable: number | undefined;
  let nextId = 1;

  const sasUrl = (blobName: string, permissions: string, contentDisposition?: string): string => {
    const sas = generateBlobSASQueryParameters(
      {
        containerName: CONTAINER,
        blobName,
        permissions: BlobSASPermissions.parse(permissions),
        startsOn: new Date(Date.now() - 60_000),
        expiresOn: new Date(Date.now() + sasTtl * 1000),
        contentDisposition
      },
      credential
    );
    return `${container.getBlobClient(blobName).url}?${sas.toString()}`;
  };

  const blobExists = (blobName: string): Promise<boolean> => container.getBlobClient(blobName).exists();

  /** GitHub's lookup order: exact key, then prefix of key, then each restore key (exact, then prefix); newest first. */
  const findCache = (key: string, restoreKeys: string[], version: string): CacheEntryRecord | undefined => {
    const ready = cacheEntries.filter((e) => e.finalized && e.version === version).sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
    for (const k of [key, ...restoreKeys]) {
      const hit = ready.find((e) => e.key === k) ?? ready.find((e) => e.key.startsWith(k));
      if (hit) return hit;
    }
    return undefined;
  };

  const checkBackendIds = (req: Record<string, unknown>): void => {
    if (req['workflow_run_backend_id'] !== runBackendId || req['workflow_job_run_backend_id'] !== jobBackendId) {
      throw new TwirpError(403, 'permission_denied', 'workflow run/job backend IDs do not match the runtime token');
    }
  };

  const methods: Record<string, (req: Record<string, unknown>) => Promise<Record<string, unknown>>> = {
    'CacheService/CreateCacheEntry': async (req) => {
      const key = str(req, 'key');
      const version = str(req, 'version');
      if (!key || !version) throw new TwirpError(400, 'invalid_argument', 'key and version are required');
      if (cacheEntries.some((e) => e.key === key && e.version === version)) {
        throw new TwirpError(409, 'already_exists', `cache entry with the same key, version, and scope already exists: ${key}`);
      }
      const id = nextId++;
      const blobName = `cache/${id}`;
      cacheEntries.push({ id, key, version, blobName, finalized: false, createdAt: Date.now() });
      return { ok: true, signed_upload_url: sasUrl(blobName, 'cw') };
    },
    'CacheService/FinalizeCacheEntryUpload': async (req) => {
      const key = str(req, 'key');
      const version = str(req, 'version');
      const entry = cacheEntries.find((e) => e.key === key && e.version === version && !e.finalized);
      if (!entry) throw new TwirpError(404, 'not_found', `no reserved cache entry for key ${key}`);
      if (!(await blobExists(entry.blobName))) throw new TwirpError(400, 'failed_precondition', `nothing was uploaded for key ${key}`);
      entry.finalized = true;
      entry.sizeBytes = Number(req['size_bytes'] ?? 0);
      entry.createdAt = Date.now();
      return { ok: true, entry_id: String(entry.id) };
    },
    'CacheService/GetCacheEntryDownloadURL': async (req) => {
      const restoreKeys = Array.isArray(req['restore_keys']) ? (req['restore_keys'] as unknown[]).map(String) : [];
      const hit = findCache(str(req, 'key'), restoreKeys, str(req, 'version'));
      // A miss is not an error on the wire: ok=false, and the client reports no hit.
      if (!hit) return { ok: false, signed_download_url: '', matched_key: '' };
      return { ok: true, signed_download_url: sasUrl(hit.blobName, 'r'), matched_key: hit.key };
    },
    'ArtifactService/CreateArtifact': async (req) => {
      checkBackendIds(req);
      const name = str(req, 'name');
      if (!name) throw new TwirpError(400, 'invalid_argument', 'name is required');
      const existing = artifacts.find((a) => a.name === name);
      if (existing?.finalized) throw new TwirpError(409, 'already_exists', `an artifact with this name already exists on the workflow run: ${name}`);
      // An unfinalized artifact of that name (an interrupted upload) is replaced, as a retry would.
      if (existing) artifacts.splice(artifacts.indexOf(existing), 1);
      const id = nextId++;
      const blobName = `artifacts/${runBackendId}/${id}`;
      const mimeType = typeof req['mime_type'] === 'string' ? req['mime_type'] : undefined;
      artifacts.push({ id, name, runBackendId, jobBackendId, blobName, finalized: false, mimeType, createdAt: Date.now() });
      return { ok: true, signed_upload_url: sasUrl(blobName, 'cw') };
    },
    'ArtifactService/FinalizeArtifact': async (req) => {
      checkBackendIds(req);
      const name = str(req, 'name');
      const artifact = artifacts.find((a) => a.name === name && !a.finalized);
      if (!artifact) throw new TwirpError(404, 'not_found', `no artifact upload in progress named ${name}`);
      if (!(await blobExists(artifact.blobName))) throw new TwirpError(400, 'failed_precondition', `nothing was uploaded for artifact ${name}`);
      artifact.finalized = true;
      artifact.size = Number(req['size'] ?? 0);
      artifact.digest = typeof req['hash'] === 'string' ? req['hash'] : undefined;
      artifact.createdAt = Date.now();
      return { ok: true, artifact_id: String(artifact.id) };
    },
    'ArtifactService/ListArtifacts': async (req) => {
      checkBackendIds(req);
      const nameFilter = typeof req['name_filter'] === 'string' ? req['name_filter'] : undefined;
      const idFilter = req['id_filter'] !== undefined ? Number(req['id_filter']) : undefined;
      const listed = artifacts.filter((a) => a.finalized && (nameFilter === undefined || a.name === nameFilter) && (idFilter === undefined || a.id === idFilter));
      return {
        artifacts: listed.map((a) => ({
          workflow_run_backend_id: a.runBackendId,
          workflow_job_run_backend_id: a.jobBackendId,
          database_id: String(a.id),
          name: a.name,
          size: String(a.size ?? 0),
          created_at: new Date(a.createdAt).toISOString(),
          ...(a.digest ? { digest: a.digest } : {})
        }))
      };
    },
    'ArtifactService/GetSignedArtifactURL': async (req) => {
      checkBackendIds(req);
      const name = str(req, 'name');
      const artifact = artifacts.find((a) => a.name === name && a.finalized);
      if (!artifact) throw new TwirpError(404, 'not_found', `artifact not found: ${name}`);
      // The download client names a raw (non-zip) file after Content-Disposition.
      return { signed_url: sasUrl(artifact.blobName, 'r', `attachment; filename*=UTF-8''${encodeURIComponent(name)}`) };
    },
    'ArtifactService/DeleteArtifact': async (req) => {
      checkBackendIds(req);
      const name = str(req, 'name');
      const artifact = artifacts.find((a) => a.name === name && a.finalized);
      if (!artifact) throw new TwirpError(404, 'not_found', `artifact not found: ${name}`);
      await container.getBlobClient(artifact.blobName).deleteIfExists();
      artifacts.splice(artifacts.indexOf(artifact), 1);
      return { ok: true, artifact_id: String(artifact.id) };
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const route = path.startsWith(TWIRP_PREFIX) ? path.slice(TWIRP_PREFIX.length) : path;
    const [service = '', method = ''] = route.split('/');
    const request = parseJsonObject(await readBody(req));
    const call: RecordedCall = { service, method, request: request ?? {}, status: 200 };
    calls.push(call);
    try {
      if (unavailable !== undefined) throw new TwirpError(unavailable, 'unavailable', 'the results service is unavailable (stand-in switched off)');
      if (req.method !== 'POST') throw new TwirpError(404, 'bad_route', `${req.method ?? ''} ${path}: Twirp only accepts POST`);
      const handler = path.startsWith(TWIRP_PREFIX) ? methods[route] : undefined;
      if (!handler) throw new TwirpError(404, 'bad_route', `no handler for ${path}`);
      if (req.headers.authorization !== `Bearer ${token}`) throw new TwirpError(401, 'unauthenticated', 'missing or unknown ACTIONS_RUNTIME_TOKEN');
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) throw new TwirpError(415, 'bad_route', 'this stand-in speaks Twirp JSON only');
      if (!request) throw new TwirpError(400, 'malformed', 'the request body is not a JSON object');
      send(res, 200, await handler(request));
    } catch (err) {
      const e = err instanceof TwirpError ? err : new TwirpError(500, 'internal', (err as Error).message);
      call.status = e.status;
      call.error = e.code;
      send(res, e.status, { code: e.code, msg: e.message });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}/`;

  let stopped: Promise<void> | undefined;
  return {
    env: { ACTIONS_RUNTIME_TOKEN: token, ACTIONS_RESULTS_URL: url, ACTIONS_CACHE_SERVICE_V2: 'true' },
    url,
    runBackendId,
    jobBackendId,
    calls,
    cacheEntries,
    artifacts,
    storage,
    setUnavailable: (on, status = 503) => {
      unavailable = on ? status : undefined;
    },
    stop: () => {
      stopped ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        if (ownStorage) await storage.stop();
      })();
      return stopped;
    }
  };
}

/**
 * A JWT shaped like the runner's ACTIONS_RUNTIME_TOKEN. @actions/artifact decodes it (without
 * checking the signature) and takes the run and job backend IDs from the `Actions.Results:RUN:JOB`
 * entry of the space-separated `scp` claim; `ac` carries the cache scopes, as GitHub's does.
 * Signed HS256 with a throwaway key: only this stand-in ever checks it, by string equality.
 */
export function makeRuntimeToken(runBackendId: string, jobBackendId: string): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'HS256' };
  const claims = {
    iss: 'multiarch-results-stand-in',
    aud: 'vso:multiarch-tests',
    nbf: now - 60,
    iat: now,
    exp: now + 6 * 3600,
    scp: `Actions.GenericRead:${randomUUID()} Actions.UploadArtifacts:${runBackendId}:${jobBackendId} Actions.Results:${runBackendId}:${jobBackendId}`,
    ac: JSON.stringify([{ Scope: 'refs/heads/main', Permission: 3 }])
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = createHmac('sha256', randomUUID()).update(input).digest();
  return `${input}.${b64url(signature)}`;
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

function str(req: Record<string, unknown>, field: string): string {
  const v = req[field];
  return typeof v === 'string' ? v : '';
}

function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8') || '{}');
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (c: Buffer) => {
      total += c.length;
      if (total > 1024 * 1024) req.destroy(new Error('Twirp request body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}
