/**
 * One HTTP exchange on @actions/http-client, with the library's own redirect, retry and auth
 * handling turned off: the registry client does those itself, because it must drop credentials
 * on redirects to blob storage and must only retry what is transient.
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, RequestOptions } from 'node:http';
import { Readable } from 'node:stream';
import { HttpClient } from '@actions/http-client';
import { redactUrl } from './errors.js';
import type { RequestHandler } from '@actions/http-client/lib/interfaces';

/** A response whose body has not been read yet. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  message: IncomingMessage;
}

/**
 * Hands an AbortSignal to the next request. http-client builds the request options synchronously
 * inside `request()`, before its first await, so a signal set just before the call reaches
 * exactly that request. We need the signal to abort an upload whose source stream failed:
 * http-client would otherwise end the request early and leave the server waiting for the rest.
 */
class SignalHandler implements RequestHandler {
  next: AbortSignal | undefined;

  prepareRequest(options: RequestOptions): void {
    options.signal = this.next;
    this.next = undefined;
  }

  canHandleAuthentication(): boolean {
    return false;
  }

  handleAuthentication(): never {
    throw new Error('unreachable: authentication is handled by the registry client');
  }
}

export class Transport {
  private readonly signals = new SignalHandler();
  private readonly http: HttpClient;

  constructor(userAgent: string, socketTimeoutMs: number) {
    this.http = new HttpClient(userAgent, [this.signals], {
      allowRedirects: false,
      allowRetries: false,
      keepAlive: true,
      socketTimeout: socketTimeoutMs
    });
  }

  /**
   * Send one request. A Buffer body is sent as-is with its length; a stream body must come with a
   * content-length header from the caller. If the stream fails, the request is aborted and the
   * stream's error is thrown instead of whatever the half-sent request produced.
   */
  async send(
    method: string,
    url: string,
    headers: OutgoingHttpHeaders,
    body?: Buffer | Readable
  ): Promise<RawResponse> {
    const controller = new AbortController();
    let bodyError: Error | undefined;
    let data: Readable | null = null;
    const sendHeaders = { ...headers };
    if (Buffer.isBuffer(body)) {
      sendHeaders['content-length'] = body.length;
      // A stream, not a string: http-client would re-encode a string as UTF-8.
      data = body.length > 0 ? Readable.from([body]) : null;
    } else if (body) {
      data = body;
      data.once('error', (err: Error) => {
        bodyError = err;
        controller.abort(err);
      });
    } else if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      // Without this Node sends an empty chunked body, which some registries reject.
      sendHeaders['content-length'] = 0;
    }

    this.signals.next = controller.signal;
    try {
      const res = await this.http.request(method, url, data, sendHeaders);
      if (bodyError) {
        res.message.destroy();
        throw bodyError;
      }
      return { status: res.message.statusCode ?? 0, headers: res.message.headers, message: res.message };
    } catch (err) {
      // On a timeout http-client gives up on the request but leaves it open; close it for good.
      controller.abort();
      if (bodyError) throw bodyError;
      throw describeNetworkError(err, method, url);
    } finally {
      this.signals.next = undefined;
      if (data && bodyError === undefined && !data.readableEnded) data.destroy();
    }
  }

  /** Close idle keep-alive connections. */
  close(): void {
    this.http.dispose();
  }
}

/**
 * Say which request failed, without its query string: http-client's timeout message includes the
 * path and query, and a storage redirect's query holds a signature. The error object is kept (not
 * wrapped) so its `code` still tells the retry logic whether the failure is transient.
 */
function describeNetworkError(err: unknown, method: string, url: string): unknown {
  if (typeof err !== 'object' || err === null || typeof (err as Error).message !== 'string') return err;
  const e = err as Error;
  const reason = /^Request timeout/.test(e.message) ? 'Request timeout' : e.message;
  e.message = `${method} ${redactUrl(url)}: ${reason}`;
  return e;
}

/** Read a whole response body, failing if it exceeds `limit` bytes (a manifest or an error page, never a layer). */
export function readBody(message: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    message.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        // Settle first: destroying the socket also emits 'aborted', which would read as a
        // transient reset and be retried, though the same body would be too large again.
        reject(new Error(`response body is larger than ${limit} bytes`));
        message.destroy();
        return;
      }
      chunks.push(chunk);
    });
    message.once('end', () => resolve(Buffer.concat(chunks)));
    message.once('error', reject);
    message.once('aborted', () => reject(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
  });
}

/** Read and discard a body we do not need, so the keep-alive connection can be reused. */
export async function drain(message: IncomingMessage): Promise<void> {
  try {
    await readBody(message, 1 << 20);
  } catch {
    // A body we were going to throw away anyway; the connection is simply not reused.
  }
}
