/**
 * STAND-IN for GitHub's artifact attestations REST API (api.github.com), which the tests cannot
 * reach. node:http on 127.0.0.1; point GITHUB_API_URL at `url`.
 *
 *   POST /repos/{owner}/{repo}/attestations          {bundle} → 201 {id}; a bearer other than
 *                                                     `token`'s gets 401, `forbid` gets the 403
 *                                                     a token without attestations: write gets
 *   GET  /repos/{owner}/{repo}/attestations/{digest}  → {attestations: [{bundle, repository_id}]},
 *                                                     what `gh attestation verify` fetches
 *
 * Every request is recorded as it came (method, path, authorization, parsed body), so a test can
 * check exactly what the action sent. Not a test file itself.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readRequestBody } from './http.js';

export interface RecordedApiRequest {
  method: string;
  path: string;
  authorization?: string;
  body?: any;
}

export interface GitHubApiStandIn {
  /** For GITHUB_API_URL. */
  url: string;
  requests: RecordedApiRequest[];
  /** Stored attestations by subject digest (`sha256:…`). */
  bySubject: Map<string, Array<{ id: number; bundle: any }>>;
  /** Answer writes with 403, as for a token without `attestations: write`. */
  forbid(on: boolean): void;
  close(): Promise<void>;
}

const FORBIDDEN = { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest/repos/attestations#create-an-attestation', status: '403' };


/** The sha256 subjects of a bundle's DSSE in-toto statement. */
function subjectDigests(bundle: any): string[] {
  try {
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
    return (statement.subject ?? []).map((s: any) => `sha256:${s.digest?.sha256}`);
  } catch {
    return [];
  }
}

export async function startGitHubApiStandIn(opts: { token: string; repository: string }): Promise<GitHubApiStandIn> {
  const requests: RecordedApiRequest[] = [];
  const bySubject = new Map<string, Array<{ id: number; bundle: any }>>();
  let forbidden = false;
  let nextId = 1000;
  const base = `/repos/${opts.repository}/attestations`;
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const text = (await readRequestBody(req)).toString('utf8');
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    requests.push({ method: req.method ?? '', path, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}), ...(body !== undefined ? { body } : {}) });
    const json = (status: number, payload: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    if (req.headers.authorization !== `token ${opts.token}` && req.headers.authorization !== `Bearer ${opts.token}`) return json(401, { message: 'Bad credentials', status: '401' });
    if (req.method === 'POST' && path === base) {
      if (forbidden) return json(403, FORBIDDEN);
      if (!body?.bundle?.dsseEnvelope) return json(422, { message: 'Invalid request: bundle is required', status: '422' });
      const id = nextId++;
      for (const d of subjectDigests(body.bundle)) bySubject.set(d, [...(bySubject.get(d) ?? []), { id, bundle: body.bundle }]);
      return json(201, { id });
    }
    if (req.method === 'GET' && path.startsWith(`${base}/`)) {
      const found = bySubject.get(decodeURIComponent(path.slice(base.length + 1))) ?? [];
      if (!found.length) return json(404, { message: 'Not Found', status: '404' });
      return json(200, { attestations: found.map((f) => ({ bundle: f.bundle, repository_id: 123456789 })) });
    }
    return json(404, { message: 'Not Found', status: '404' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    bySubject,
    forbid: (on) => (forbidden = on),
    close: () => new Promise((resolve) => server.close(() => resolve()))
  };
}
