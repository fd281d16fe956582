/**
 * A small Docker token service (the `auth.token` realm of a distribution registry) for tests:
 * node:http on 127.0.0.1, JWTs signed RS256 or ES256 with node:crypto.
 *
 * How distribution 2.8 checks a token (registry/auth/token/token.go, libtrust era): `iss` must be
 * the configured issuer, `aud` the configured service (a plain string in 2.8), `exp`/`nbf` within
 * 60 s of leeway; the signing key comes from the header, preferring `x5c` (a certificate chain
 * verified against `rootcertbundle`, any key usage), then `jwk`, then `kid` as a libtrust key
 * fingerprint of a root cert's key. We send `x5c` with the self-signed cert itself, which is
 * also the whole root bundle, so no libtrust key ID has to be computed. libtrust verifies
 * RS256 as PKCS#1 v1.5 and ES256 as raw r||s (JOSE), hence `dsaEncoding: 'ieee-p1363'`.
 *
 * GET  /token?service=…&scope=…  with Basic credentials (the docker CLI's way);
 * POST /token  form grant_type=password|refresh_token (OAuth2, for identity tokens).
 * Unknown or missing credentials get a 401 in the distribution error format.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, timingSafeEqual, X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type TokenAlgorithm = 'RS256' | 'ES256';

/** One requested scope, e.g. `repository:org/app:pull,push`. */
export interface Scope {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenServiceOptions {
  /** The registry's `auth.token.service`; becomes the token's audience. */
  service: string;
  /** The registry's `auth.token.issuer`. */
  issuer: string;
  /** username → password. */
  users: Record<string, string>;
  /** Identity (refresh) tokens accepted by the POST grant: token → username. */
  identityTokens?: Record<string, string>;
  /** Actions to grant `account` on a requested scope; default: all it asked for. */
  grant?: (account: string, scope: Scope) => string[];
  algorithm?: TokenAlgorithm;
  /** Token lifetime in seconds (default 300). */
  ttlSeconds?: number;
}

/** What the service handed out, for assertions. */
export interface IssuedToken {
  account: string;
  /** The scopes as requested (one string each). */
  requested: string[];
  access: Scope[];
  token: string;
  via: 'basic' | 'password' | 'refresh_token';
}

export interface TokenService {
  /** `http://127.0.0.1:PORT/token`, the registry's `auth.token.realm`. */
  realm: string;
  /** The self-signed certificate of the signing key, PEM (the registry's rootcertbundle). */
  certificatePem: string;
  issued: IssuedToken[];
  /** Requests refused (bad credentials, unknown service, bad grant), with the reason. */
  refused: { status: number; reason: string }[];
  stop(): Promise<void>;
}

export async function startTokenService(opts: TokenServiceOptions): Promise<TokenService> {
  const algorithm = opts.algorithm ?? 'RS256';
  const { key, certificatePem } = await makeSigningKey(algorithm);
  const x5c = [new X509Certificate(certificatePem).raw.toString('base64')];
  const ttl = opts.ttlSeconds ?? 300;
  const issued: IssuedToken[] = [];
  const refused: { status: number; reason: string }[] = [];

  const issue = (account: string, requested: string[], via: IssuedToken['via']): { token: string; access: Scope[] } => {
    const access: Scope[] = [];
    for (const text of requested) {
      const scope = parseScope(text);
      if (!scope) continue;
      const allowed = opts.grant ? opts.grant(account, scope) : scope.actions;
      const actions = scope.actions.filter((a) => allowed.includes(a));
      if (actions.length > 0) access.push({ ...scope, actions });
    }
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: opts.issuer,
      sub: account,
      aud: opts.service,
      exp: now + ttl,
      nbf: now - 1,
      iat: now,
      jti: randomBytes(12).toString('hex'),
      access
    };
    const header = { typ: 'JWT', alg: algorithm, x5c };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature =
      algorithm === 'RS256'
        ? sign('sha256', Buffer.from(input), key)
        : sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    const token = `${input}.${b64url(signature)}`;
    issued.push({ account, requested, access, token, via });
    return { token, access };
  };

  const checkPassword = (username: string, password: string): boolean => {
    const expected = Object.prototype.hasOwnProperty.call(opts.users, username) ? opts.users[username] : undefined;
    return expected !== undefined && sameSecret(expected, password);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/token') return fail(res, refused, 404, 'NOT_FOUND', `no such endpoint ${url.pathname}`);

    if (req.method === 'GET') {
      const service = url.searchParams.get('service');
      if (service !== opts.service) return fail(res, refused, 400, 'DENIED', `unknown service ${JSON.stringify(service)}`);
      const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
      const basic = parseBasic(req.headers.authorization);
      if (!basic) return fail(res, refused, 401, 'UNAUTHORIZED', 'authentication required: this token service has no anonymous access', true);
      if (!checkPassword(basic.username, basic.password)) {
        return fail(res, refused, 401, 'UNAUTHORIZED', 'incorrect username or password', true);
      }
      const { token } = issue(basic.username, scopes, 'basic');
      return json(res, 200, { token, access_token: token, expires_in: ttl, issued_at: new Date().toISOString() });
    }

    if (req.method === 'POST') {
      const form = new URLSearchParams((await readSmallBody(req)).toString('utf8'));
      if (form.get('service') !== opts.service) return fail(res, refused, 400, 'DENIED', `unknown service ${JSON.stringify(form.get('service'))}`);
      const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      const grantType = form.get('grant_type');
      let account: string | undefined;
      if (grantType === 'password') {
        const username = form.get('username') ?? '';
        if (checkPassword(username, form.get('password') ?? '')) account = username;
      } else if (grantType === 'refresh_token') {
        const refresh = form.get('refresh_token') ?? '';
        for (const [token, user] of Object.entries(opts.identityTokens ?? {})) if (sameSecret(token, refresh)) account = user;
      } else {
        return fail(res, refused, 400, 'UNSUPPORTED', `unsupported grant_type ${JSON.stringify(grantType)}`);
      }
      if (account === undefined) return fail(res, refused, 401, 'UNAUTHORIZED', `invalid ${grantType} grant`);
      const { token } = issue(account, scopes, grantType);
      return json(res, 200, { access_token: token, expires_in: ttl, scope: scopes.join(' '), issued_at: new Date().toISOString() });
    }
    return fail(res, refused, 405, 'UNSUPPORTED', `method ${req.method ?? ''} not allowed`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => fail(res, refused, 500, 'UNKNOWN', (err as Error).message));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  let stopped: Promise<void> | undefined;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certificatePem,
    issued,
    refused,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    }
  };
}

/** `type:name:actions`; the name may itself hold colons (a registry:port/repo name does not, but be lenient). */
export function parseScope(text: string): Scope | undefined {
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  return { type: text.slice(0, first), name: text.slice(first + 1, last), actions: text.slice(last + 1).split(',').filter(Boolean) };
}

/** A fresh key and self-signed cert from the openssl CLI (argv, never a shell), read back and deleted. */
async function makeSigningKey(algorithm: TokenAlgorithm): Promise<{ key: KeyObject; certificatePem: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'multiarch-token-'));
  try {
    const keyArgs = algorithm === 'RS256' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
    const args = [
      'req', '-x509', ...keyArgs, '-nodes', '-sha256', '-days', '2',
      '-subj', '/CN=multiarch test token issuer',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')
    ];
    await new Promise<void>((resolve, reject) => {
      execFile('openssl', args, { timeout: 30_000 }, (err, _stdout, stderr) => {
        if (!err) return resolve();
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        reject(new Error(missing ? 'openssl is not installed; the token-auth test registry needs it' : `openssl req failed: ${stderr.trim() || err.message}`));
      });
    });
    const key = createPrivateKey(await readFile(join(dir, 'key.pem')));
    const certificatePem = await readFile(join(dir, 'cert.pem'), 'utf8');
    return { key, certificatePem };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function parseBasic(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function sameSecret(a: string, b: string): boolean {
  // Compare digests: timingSafeEqual needs equal lengths, and the length must not leak either.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

function readSmallBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (c: Buffer) => {
      total += c.length;
      if (total > 64 * 1024) req.destroy(new Error('token request body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length, ...headers });
  res.end(bytes);
}

function fail(
  res: ServerResponse,
  refused: { status: number; reason: string }[],
  status: number,
  code: string,
  message: string,
  challenge = false
): void {
  refused.push({ status, reason: message });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  json(res, status, { errors: [{ code, message }] }, challenge ? { 'www-authenticate': 'Basic realm="multiarch test token service"' } : {});
}
