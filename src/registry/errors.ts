/**
 * Errors from registry requests. The message carries the method, the URL (origin and path only:
 * query strings on upload and storage URLs can hold signed state) and the registry's own
 * `errors[].code: message` text, and never any credential.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** A registry answered with a status we did not expect. */
export class RegistryError extends Error {
  constructor(
    readonly method: string,
    /** Origin and path of the request, without query string or credentials. */
    readonly url: string,
    readonly status: number,
    /** Error codes from the registry's JSON body, e.g. `MANIFEST_UNKNOWN`. */
    readonly codes: string[],
    detail: string,
    /** Delay the registry asked for with Retry-After, in milliseconds. */
    readonly retryAfterMs?: number
  ) {
    super(`${method} ${url} failed with ${status}${detail ? `: ${detail}` : ''}`);
    this.name = 'RegistryError';
  }
}

/** Build a RegistryError from a response, pulling the registry's own message out of the body. */
export function registryError(
  method: string,
  url: URL | string,
  status: number,
  body: Buffer,
  headers: IncomingHttpHeaders
): RegistryError {
  const { codes, detail } = describeErrorBody(body, status);
  return new RegistryError(method, redactUrl(url), status, codes, detail, parseRetryAfter(headers['retry-after']));
}

/** Origin and path only; drops userinfo and the query string. */
export function redactUrl(url: URL | string): string {
  try {
    const parsed = new URL(String(url));
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

/**
 * Retry-After is either delta-seconds or an HTTP date. Returns milliseconds from `now`, or
 * undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

interface DistributionErrors {
  errors?: { code?: unknown; message?: unknown; detail?: unknown }[];
}

function describeErrorBody(body: Buffer, status: number): { codes: string[]; detail: string } {
  const text = body.toString('utf8').trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as DistributionErrors;
      if (Array.isArray(parsed.errors) && parsed.errors.length > 0) {
        const codes = parsed.errors.map((e) => (typeof e.code === 'string' ? e.code : 'UNKNOWN'));
        const detail = parsed.errors
          .map((e, i) => (typeof e.message === 'string' && e.message ? `${codes[i]}: ${e.message}` : codes[i]))
          .join('; ');
        return { codes, detail };
      }
    } catch {
      // Not the distribution error format; fall through to the raw text.
    }
  }
  // Some proxies answer with HTML; keep a short, single-line excerpt rather than the whole page.
  const excerpt = text.replace(/\s+/g, ' ').slice(0, 200);
  return { codes: [], detail: excerpt || statusText(status) };
}

function statusText(status: number): string {
  const known: Record<number, string> = {
    400: 'bad request',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'not found',
    405: 'method not allowed',
    429: 'too many requests',
    500: 'internal server error',
    502: 'bad gateway',
    503: 'service unavailable',
    504: 'gateway timeout'
  };
  return known[status] ?? '';
}
