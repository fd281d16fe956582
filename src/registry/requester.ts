/**
 * One logical registry request: authorise it (anonymous first, then whatever the 401 challenge
 * asks for, retried once), follow redirects by hand, and turn any unexpected status into a
 * RegistryError carrying the registry's own message. Retrying is left to the caller, which knows
 * whether the request can be repeated.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Authenticator } from './auth.js';
import { registryError, redactUrl } from './errors.js';
import { resolveLocation } from './location.js';
import { drain, readBody, type RawResponse, type Transport } from './transport.js';

/** What a request needs: the token scopes it acts under and the statuses its caller handles. */
export interface RegistryRequest {
  method: string;
  /** Absolute URL: on the registry, or an upload location it handed out. */
  url: string;
  scopes: readonly string[];
  headers?: OutgoingHttpHeaders;
  /** Called for every send (a 401 retry sends again), so a stream body is opened afresh each time. */
  body?: () => Buffer | Readable | Promise<Buffer | Readable>;
  /** Follow 3xx redirects (reads of blobs and manifests, which registries send to blob storage). */
  follow?: boolean;
  /** Statuses the caller handles; any other becomes a RegistryError. */
  expect: readonly number[];
}

/** A response with an expected status, and the URL that finally answered (after redirects). */
export interface RegistryResponse extends RawResponse {
  url: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
/** Error bodies are JSON a few hundred bytes long; do not read more than this of one. */
const ERROR_BODY_LIMIT = 64 * 1024;

export class Requester {
  private readonly origin: string;

  constructor(
    private readonly transport: Transport,
    private readonly auth: Authenticator,
    private readonly registry: string,
    baseUrl: string
  ) {
    this.origin = new URL(baseUrl).origin;
  }

  async send(req: RegistryRequest): Promise<RegistryResponse> {
    let url = req.url;
    let sent = await this.auth.authorization(req.scopes);
    let res = await this.once(req, url, sent);

    if (res.status === 401 && this.isRegistryOrigin(url)) {
      const retryWith = await this.auth.respond(res.headers['www-authenticate'], req.scopes, sent);
      if (retryWith !== undefined) {
        await drain(res.message);
        sent = retryWith;
        res = await this.once(req, url, sent);
      }
    }

    for (let hops = 0; req.follow && REDIRECTS.has(res.status); hops++) {
      const location = res.headers.location;
      if (!location) break;
      if (hops >= MAX_REDIRECTS) {
        await drain(res.message);
        throw new Error(`${req.method} ${redactUrl(req.url)}: more than ${MAX_REDIRECTS} redirects`);
      }
      await drain(res.message);
      url = resolveLocation(location, url, `${req.method} redirect`);
      res = await this.once(req, url, sent);
    }

    if (!req.expect.includes(res.status)) {
      const body = await readBody(res.message, ERROR_BODY_LIMIT).catch(() => Buffer.alloc(0));
      const err = registryError(req.method, url, res.status, body, res.headers);
      if (res.status === 401 || res.status === 403) err.message += this.authHint(sent);
      throw err;
    }
    return { ...res, url };
  }

  private async once(req: RegistryRequest, url: string, authorization: string | undefined): Promise<RawResponse> {
    const headers: OutgoingHttpHeaders = { ...req.headers };
    // Credentials only ever go to the registry's own origin: a redirect to blob storage (S3, a
    // CDN) or an upload location elsewhere gets none, as the docker CLI does.
    if (authorization && this.isRegistryOrigin(url)) headers['authorization'] = authorization;
    const body = req.body ? await req.body() : undefined;
    return this.transport.send(req.method, url, headers, body);
  }

  private isRegistryOrigin(url: string): boolean {
    return new URL(url).origin === this.origin;
  }

  private authHint(sent: string | undefined): string {
    if (!this.auth.hasCredentials) return ` (no credentials found for ${this.registry})`;
    return sent ? ` (the credentials for ${this.registry} were not accepted for this request)` : '';
  }
}
