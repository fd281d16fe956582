/**
 * The GitHub Actions ID token, the identity Fulcio certifies. A job with `id-token: write` gets
 * ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN; a GET there (bearer the request token, `audience`
 * added) answers `{"value": "<JWT>"}`. Both the request token and the JWT are secrets: each is
 * handed to `onSecret` (which masks and redacts it) before anything else can see it.
 */

/** The environment variables a runner sets when the job may request an ID token. */
export const ID_TOKEN_URL_ENV = 'ACTIONS_ID_TOKEN_REQUEST_URL';
export const ID_TOKEN_TOKEN_ENV = 'ACTIONS_ID_TOKEN_REQUEST_TOKEN';

import type { IdTokenRequest } from '../types/sign.js';

export type { IdTokenRequest };

/** The ID-token request a runner offers the job (`permissions: id-token: write`), if any. */
export function idTokenRequestFrom(env: NodeJS.ProcessEnv): IdTokenRequest | undefined {
  const url = env[ID_TOKEN_URL_ENV];
  const token = env[ID_TOKEN_TOKEN_ENV];
  return url && token ? { url, token } : undefined;
}

export interface IdTokenOptions {
  request: IdTokenRequest;
  /** Registers a secret value (core.setSecret + the report's Redactor). Called before any use. */
  onSecret: (value: string) => void;
  audience?: string;
  timeoutMs?: number;
}

/** Fetch the ID token for `audience` (Sigstore's: `sigstore`). */
export async function fetchIdToken(opts: IdTokenOptions): Promise<string> {
  const { url: endpoint, token: bearer } = opts.request;
  opts.onSecret(bearer);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`${ID_TOKEN_URL_ENV} is not a URL`);
  }
  url.searchParams.set('audience', opts.audience ?? 'sigstore');
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' },
    signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000)
  });
  const body = await res.text();
  if (!res.ok) {
    // The endpoint's own message, cut short: it never echoes the token, but keep the log small.
    throw new Error(`ID token request failed: HTTP ${res.status} ${body.slice(0, 200).trim()}`);
  }
  let value: unknown;
  try {
    value = (JSON.parse(body) as { value?: unknown }).value;
  } catch {
    throw new Error('ID token endpoint answered with something other than JSON');
  }
  if (typeof value !== 'string' || value.split('.').length !== 3) throw new Error('ID token endpoint answered without a JWT in "value"');
  opts.onSecret(value);
  return value;
}

/**
 * The claims of a JWT, not verified (Fulcio verifies it). Used only to name the identity the
 * certificate will carry before asking for it, e.g. in an error message.
 */
export function decodeClaims(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1];
  if (!part) throw new Error('not a JWT');
  const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new Error('JWT claims are not an object');
  return claims as Record<string, unknown>;
}
