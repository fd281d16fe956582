/**
 * STAND-IN for the GitHub Actions ID-token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL), which exists
 * only inside a GitHub-hosted job with `permissions: id-token: write`. node:http on 127.0.0.1.
 *
 * As the runner's endpoint: GET <url>&audience=<aud> with `Authorization: Bearer <request token>`
 * answers `{"value": "<JWT>"}`; a wrong or missing bearer gets a 401. The JWT is ES256-signed
 * (the Fulcio stand-in in sigstore.ts checks the signature with `publicKey`) and carries the
 * claims GitHub puts in one: iss https://token.actions.githubusercontent.com, aud, sub
 * `repo:<owner>/<repo>:ref:<ref>`, repository, ref, sha, workflow_ref, job_workflow_ref, run_id…
 * Real Fulcio makes the certificate's SAN `https://github.com/<job_workflow_ref>`; `identity` is that.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export const ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

export interface IdTokenOptions {
  repository?: string;
  ref?: string;
  /** Workflow file path inside the repository. */
  workflow?: string;
  ttlSeconds?: number;
}

export interface IdTokenStandIn {
  /** For ACTIONS_ID_TOKEN_REQUEST_URL: already has a query string, as the runner's does. */
  url: string;
  /** For ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  requestToken: string;
  /** Env for a runner-like child process. */
  env: Record<string, string>;
  /** Verifies the JWTs this stand-in issues (ES256). */
  publicKey: KeyObject;
  /** The SAN Fulcio gives a certificate for these tokens. */
  identity: string;
  /** Every JWT handed out, and the audience each was asked for. */
  issued: Array<{ token: string; audience: string }>;
  close(): Promise<void>;
}

export async function startIdTokenStandIn(opts: IdTokenOptions = {}): Promise<IdTokenStandIn> {
  const repository = opts.repository ?? 'octo-org/multiarch-demo';
  const ref = opts.ref ?? 'refs/heads/main';
  const workflow = opts.workflow ?? '.github/workflows/release.yml';
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomBytes(8).toString('hex');
  const requestToken = `req-${randomBytes(24).toString('base64url')}`;
  const issued: IdTokenStandIn['issued'] = [];
  const jobWorkflowRef = `${repository}/${workflow}@${ref}`;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    if (req.headers.authorization !== `Bearer ${requestToken}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'bad request token' }));
      return;
    }
    const audience = url.searchParams.get('audience') ?? 'https://github.com/' + repository.split('/')[0];
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      jti: randomBytes(16).toString('hex'),
      sub: `repo:${repository}:ref:${ref}`,
      aud: audience,
      ref,
      sha: randomBytes(20).toString('hex'),
      repository,
      repository_owner: repository.split('/')[0],
      repository_id: '123456789',
      repository_owner_id: '98765',
      repository_visibility: 'public',
      run_id: '4242',
      run_number: '7',
      run_attempt: '1',
      actor: 'octocat',
      workflow: 'release',
      workflow_ref: jobWorkflowRef,
      workflow_sha: randomBytes(20).toString('hex'),
      job_workflow_ref: jobWorkflowRef,
      job_workflow_sha: randomBytes(20).toString('hex'),
      event_name: 'push',
      ref_type: 'branch',
      runner_environment: 'github-hosted',
      iss: ACTIONS_ISSUER,
      nbf: now - 5,
      iat: now,
      exp: now + (opts.ttlSeconds ?? 300)
    };
    const token = signJwt({ alg: 'ES256', typ: 'JWT', kid }, claims, privateKey);
    issued.push({ token, audience });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: 1, value: token }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const tokenUrl = `http://127.0.0.1:${port}/token?api-version=2.0`;
  return {
    url: tokenUrl,
    requestToken,
    env: { ACTIONS_ID_TOKEN_REQUEST_URL: tokenUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken },
    publicKey,
    identity: `https://github.com/${jobWorkflowRef}`,
    issued,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  };
}

export function signJwt(header: object, claims: object, key: KeyObject): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc(header)}.${enc(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}
