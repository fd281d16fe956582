/**
 * Plain node:http requests for the test harness: probing a registry and checking its state
 * directly, without going through the RegistryClient under test. Loopback only.
 */
import { request, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';

/** The registry scripts/stack.sh runs (distribution 2.8, no auth); STACK_REGISTRY_PORT as in stack.sh. */
export const STACK_REGISTRY = `127.0.0.1:${process.env['STACK_REGISTRY_PORT'] || '5000'}`;
export const STACK_REGISTRY_URL = `http://${STACK_REGISTRY}`;

export interface PlainResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One request to a loopback URL; resolves with the whole (small) body. */
export function plainRequest(
  url: string,
  opts: { method?: string; headers?: OutgoingHttpHeaders; body?: Buffer; timeoutMs?: number } = {}
): Promise<PlainResponse> {
  const target = new URL(url);
  if (!['127.0.0.1', '[::1]', 'localhost'].includes(target.hostname)) {
    return Promise.reject(new Error(`test harness refuses a non-loopback URL: ${target.origin}`));
  }
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: opts.method ?? 'GET',
        headers: { ...opts.headers, ...(opts.body ? { 'content-length': opts.body.length } : {}) },
        timeout: opts.timeoutMs ?? 5000,
        // A fresh connection each time: these probes must not share sockets with anything.
        agent: false
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      }
    );
    req.on('timeout', () => req.destroy(new Error(`${opts.method ?? 'GET'} ${url} timed out`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * Undefined if a distribution registry answers /v2/ at `baseUrl` (any status, as long as it
 * carries the Docker-Distribution-Api-Version header), otherwise what went wrong.
 */
export async function probeRegistry(baseUrl: string, timeoutMs = 3000): Promise<string | undefined> {
  try {
    const res = await plainRequest(`${baseUrl}/v2/`, { timeoutMs });
    return res.headers['docker-distribution-api-version'] ? undefined : `answered ${res.status} without Docker-Distribution-Api-Version`;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Throws (so the calling test fails, never skips) unless the stack registry on :5000 answers. */
export async function requireStackRegistry(): Promise<void> {
  const problem = await probeRegistry(STACK_REGISTRY_URL);
  if (problem !== undefined) {
    throw new Error(`the stack registry at ${STACK_REGISTRY_URL}/v2/ is not reachable (${problem}); start it with scripts/stack.sh up`);
  }
}

/** Tags of a repository read straight from a registry: [] when the repository does not exist. */
export async function listTags(baseUrl: string, repo: string): Promise<string[]> {
  const res = await plainRequest(`${baseUrl}/v2/${repo}/tags/list`);
  if (res.status === 404) return [];
  if (res.status !== 200) throw new Error(`GET ${baseUrl}/v2/${repo}/tags/list answered ${res.status}: ${res.body.toString('utf8')}`);
  const parsed = JSON.parse(res.body.toString('utf8')) as { tags?: string[] | null };
  return parsed.tags ?? [];
}

/** A stand-in server's whole request body (the stand-ins take small bodies only). */
export async function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}
