/**
 * Where a registry sends the next request: a redirect, or the `Location` of an upload session.
 * Both are taken from a response, so both are checked the same way before anything is sent there.
 */
import { redactUrl } from './errors.js';
import { isLoopbackRegistry } from './reference.js';

/**
 * Resolve `location` against the URL that answered, refusing a scheme other than http(s) and a
 * move from https to plain http: an upload session on http would carry the image's bytes (and a
 * redirect the request) in the clear, though the user asked for https. Loopback stays allowed, as
 * it is for the registry itself, since those bytes never cross a network.
 */
export function resolveLocation(location: string, base: string, what: string): string {
  const next = new URL(location, base);
  const previous = new URL(base);
  if (next.protocol !== 'https:' && next.protocol !== 'http:') {
    throw new Error(`${what} at ${redactUrl(base)} points to unsupported scheme ${next.protocol}`);
  }
  if (previous.protocol === 'https:' && next.protocol === 'http:' && !isLoopbackRegistry(next.host)) {
    throw new Error(`${what} at ${redactUrl(base)} moves from https to plain http (${redactUrl(next)}); refusing`);
  }
  return next.toString();
}
