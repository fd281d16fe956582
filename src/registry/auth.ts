/**
 * Registry authentication, learnt from the registry's 401 challenges: anonymous first, then
 * Basic or a Bearer token from the realm the registry names (the Docker token protocol). Tokens
 * are cached per set of scopes and handed to `onSecret` before use.
 */
import type { Credentials } from './credentials.js';
import { registryError } from './errors.js';
import { isLoopbackRegistry } from './reference.js';
import { readBody, type Transport } from './transport.js';

/** One challenge from a WWW-Authenticate header, e.g. `Bearer realm="…",service="…"`. */
export interface Challenge {
  /** Lowercased scheme, e.g. `bearer` or `basic`. */
  scheme: string;
  /** Parameters with lowercased names; quoted values are unquoted. */
  params: Record<string, string>;
}

/** A token scope for a repository, e.g. `repository:org/app:pull,push`. */
export function repositoryScope(repository: string, actions: readonly string[]): string {
  return `repository:${repository}:${actions.join(',')}`;
}

/** Merge scopes that name the same resource, so `…:pull` and `…:push` become one `…:pull,push`. */
export function mergeScopes(scopes: readonly string[]): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const scope of scopes) {
    const cut = scope.lastIndexOf(':');
    if (cut < 0) continue;
    const resource = scope.slice(0, cut);
    const actions = byResource.get(resource) ?? new Set<string>();
    for (const action of scope.slice(cut + 1).split(',')) if (action) actions.add(action);
    byResource.set(resource, actions);
  }
  return [...byResource.entries()]
    .map(([resource, actions]) => `${resource}:${[...actions].sort().join(',')}`)
    .sort();
}

/** Parse a WWW-Authenticate header, which may hold several comma-separated challenges. */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let i = 0;
  const skip = (chars: string): void => {
    while (i < header.length && chars.includes(header.charAt(i))) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < header.length && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(header.charAt(i))) i++;
    return header.slice(start, i);
  };
  const quoted = (): string => {
    let value = '';
    i++; // opening quote
    while (i < header.length && header.charAt(i) !== '"') {
      if (header.charAt(i) === '\\') i++;
      value += header.charAt(i);
      i++;
    }
    i++; // closing quote
    return value;
  };

  while (i < header.length) {
    skip(' \t,');
    const scheme = token();
    if (!scheme) break;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    for (;;) {
      skip(' \t');
      const mark = i;
      const name = token();
      skip(' \t');
      if (!name || header.charAt(i) !== '=') {
        // Not a parameter: the start of the next challenge (or a token68 we have no use for).
        i = mark;
        break;
      }
      i++;
      skip(' \t');
      challenge.params[name.toLowerCase()] = header.charAt(i) === '"' ? quoted() : token();
      skip(' \t');
      if (header.charAt(i) !== ',') break;
      i++;
    }
  }
  return challenges;
}

export interface AuthenticatorOptions {
  registry: string;
  credentials?: Credentials;
  transport: Transport;
  onSecret: (value: string) => void;
}

interface CachedToken {
  header: string;
  expiresAt: number;
}

interface TokenResponse {
  token?: unknown;
  access_token?: unknown;
  expires_in?: unknown;
}

/** The Docker token spec says to assume 60 seconds when a token's lifetime is missing or shorter. */
const MIN_TOKEN_LIFETIME_S = 60;
/** Renew a little early, so a token does not expire between our check and the registry's. */
const EXPIRY_MARGIN_MS = 10_000;

export class Authenticator {
  private scheme: 'unknown' | 'basic' | 'bearer' = 'unknown';
  private realm = '';
  private service: string | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<string>>();

  constructor(private readonly opts: AuthenticatorOptions) {}

  /** True if there are credentials to offer when the registry asks. */
  get hasCredentials(): boolean {
    return this.opts.credentials !== undefined;
  }

  /**
   * The Authorization header for a request needing `scopes`, from what earlier challenges taught
   * us; undefined while the registry has not asked for anything (anonymous first).
   */
  async authorization(scopes: readonly string[]): Promise<string | undefined> {
    if (this.scheme === 'basic') return this.basicHeader();
    if (this.scheme === 'bearer') return this.bearer(scopes, false);
    return undefined;
  }

  /**
   * Answer a 401: learn the scheme from the challenge and return a header to retry with, or
   * undefined when there is nothing new to try (no credentials, or these were just rejected).
   */
  async respond(
    wwwAuthenticate: string | string[] | undefined,
    scopes: readonly string[],
    sent: string | undefined
  ): Promise<string | undefined> {
    const header = Array.isArray(wwwAuthenticate) ? wwwAuthenticate.join(', ') : (wwwAuthenticate ?? '');
    const challenges = parseChallenges(header);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer?.params['realm']) {
      this.scheme = 'bearer';
      this.realm = bearer.params['realm'];
      this.service = bearer.params['service'];
      const asked = (bearer.params['scope'] ?? '').split(' ').filter(Boolean);
      // Throw away the token that was just refused (expired, or too narrow) and fetch a new one.
      this.tokens.delete(scopeKey(scopes));
      const fresh = await this.bearer(mergeScopes([...scopes, ...asked]), true, scopeKey(scopes));
      // The same token again would be refused again.
      return fresh === sent ? undefined : fresh;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      this.scheme = 'basic';
      const basic = this.basicHeader();
      return basic === sent ? undefined : basic;
    }
    return undefined;
  }

  private basicHeader(): string | undefined {
    const creds = this.opts.credentials;
    if (!creds || (!creds.username && !creds.password)) return undefined;
    return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  }

  /** A cached bearer header for these scopes, or a new token from the realm (one request per key at a time). */
  private async bearer(scopes: readonly string[], fresh: boolean, key = scopeKey(scopes)): Promise<string> {
    const cached = this.tokens.get(key);
    if (!fresh && cached && cached.expiresAt > Date.now()) return cached.header;
    let inFlight = this.pending.get(key);
    if (!inFlight) {
      inFlight = (async () => {
        const token = await this.fetchToken(scopes);
        this.tokens.set(key, token);
        return token.header;
      })();
      this.pending.set(key, inFlight);
      // Parallel requests share this promise; forget it once settled so a failure is not cached.
      inFlight.finally(() => this.pending.delete(key)).catch(() => undefined);
    }
    return inFlight;
  }

  private async fetchToken(scopes: readonly string[]): Promise<CachedToken> {
    const creds = this.opts.credentials;
    const url = new URL(this.realm);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new Error(`${this.opts.registry} names a token realm with unsupported scheme ${url.protocol}`);
    }
    if (creds && url.protocol === 'http:' && !isLoopbackRegistry(url.host)) {
      // The realm comes from the registry; never send a password across the network in clear text.
      throw new Error(`refusing to send credentials for ${this.opts.registry} to a plain-http token realm ${url.origin}`);
    }

    let res;
    if (creds?.identityToken) {
      // Docker exchanges an identity token with the OAuth2 refresh_token grant.
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.identityToken,
        client_id: 'multiarch',
        ...(this.service ? { service: this.service } : {}),
        scope: scopes.join(' ')
      });
      res = await this.opts.transport.send(
        'POST',
        url.toString(),
        { 'content-type': 'application/x-www-form-urlencoded' },
        Buffer.from(form.toString())
      );
    } else {
      if (this.service) url.searchParams.set('service', this.service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      const basic = this.basicHeader();
      res = await this.opts.transport.send('GET', url.toString(), basic ? { authorization: basic } : {});
    }

    const body = await readBody(res.message, 1 << 20);
    if (res.status !== 200) throw registryError(creds?.identityToken ? 'POST' : 'GET', url, res.status, body, res.headers);
    let parsed: TokenResponse;
    try {
      parsed = JSON.parse(body.toString('utf8')) as TokenResponse;
    } catch {
      throw new Error(`token endpoint ${url.origin}${url.pathname} did not return JSON`);
    }
    const token =
      typeof parsed.token === 'string' && parsed.token
        ? parsed.token
        : typeof parsed.access_token === 'string'
          ? parsed.access_token
          : '';
    if (!token) throw new Error(`token endpoint ${url.origin}${url.pathname} returned no token`);
    this.opts.onSecret(token);
    const lifetime = Math.max(MIN_TOKEN_LIFETIME_S, typeof parsed.expires_in === 'number' ? parsed.expires_in : 0);
    return { header: `Bearer ${token}`, expiresAt: Date.now() + lifetime * 1000 - EXPIRY_MARGIN_MS };
  }
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}
