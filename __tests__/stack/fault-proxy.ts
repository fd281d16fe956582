/**
 * An HTTP proxy on 127.0.0.1 in front of a real registry that injects faults at a given rate,
 * chosen by a seeded PRNG: 429 (Retry-After 0 or 1), 500, 502, 503, and connection resets
 * (socket.destroy()), and resets in the middle of a blob's body (`body-reset`: the registry's
 * status, headers and the first N bytes go through, then the socket is destroyed). Everything else is forwarded; `Location` headers pointing at the registry
 * are rewritten to the proxy, so upload sessions keep going through it.
 *
 *   const proxy = await startFaultProxy({ target: 'http://127.0.0.1:5000', rate: 0.2, seed: 7 });
 *   const client = new RegistryClient({ registry: proxy.registry, retry: { baseDelayMs: 5 } });
 *   ... proxy.stats, proxy.events ...
 *   await proxy.stop();
 *
 * A fault in the `request` phase never reaches the registry; one in the `response` phase is
 * injected after the registry has handled the request (its answer is thrown away), which is
 * what a flaky load balancer in front of a registry does. A `body-reset` is drawn like any other
 * fault but only lands on a blob GET the registry answers with a body (200 or 206); drawn for
 * any other request, it is not injected and not counted. `maxFaults` bounds how many faults are
 * injected in all, so a seeded run cannot starve a client of its retries. The proxy stops itself after
 * `lifetimeMs` or `maxRequests`, so a test that forgets stop(), or a client stuck retrying,
 * cannot keep it (or the test run) alive. Not a test file itself.
 */
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type FaultKind = '429' | '500' | '502' | '503' | 'reset' | 'body-reset';
/** The request-level faults (a `body-reset` is asked for by name: it changes what reads see). */
export const ALL_FAULTS: readonly FaultKind[] = ['429', '500', '502', '503', 'reset'];

export interface FaultProxyOptions {
  /** The registry to front, e.g. `http://127.0.0.1:5000` (loopback only). */
  target: string;
  /** Fraction of requests that get a fault, 0..1. */
  rate: number;
  seed?: number;
  /** Faults to choose from (uniformly). Default: all. */
  faults?: readonly FaultKind[];
  /** Where faults are injected. Default `request` (the registry never sees the request). */
  phase?: 'request' | 'response' | 'either';
  /**
   * Bytes of a blob body passed on before a `body-reset`. Default: a seeded fraction of the
   * body's Content-Length, so resets land anywhere in a layer.
   */
  bodyResetAfterBytes?: number;
  /** Inject at most this many faults in all; later draws that hit are forwarded. Default: no bound. */
  maxFaults?: number;
  /** The proxy stops itself this long after starting. Default 5 minutes. */
  lifetimeMs?: number;
  /** ...or after this many requests. Default 10 000. */
  maxRequests?: number;
}

/** One request through the proxy. */
export interface ProxyEvent {
  n: number;
  method: string;
  /** Path without the query string. */
  path: string;
  fault?: FaultKind;
  /** `body` for a body-reset: the answer was cut part-way through. */
  phase?: 'request' | 'response' | 'body';
  /** The request's Range header, when it had one (a client resuming a blob). */
  range?: string;
  /** For a body-reset: the bytes of the body passed on before the reset. */
  resetAfterBytes?: number;
  retryAfter?: string;
  /** The registry's status, when the request reached it. */
  upstreamStatus?: number;
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, for a RegistryClient. */
  registry: string;
  events: ProxyEvent[];
  stats(): { requests: number; forwarded: number; injected: Record<FaultKind, number>; injectedTotal: number };
  /** The most recent injected fault, if any. */
  lastFault(): ProxyEvent | undefined;
  setRate(rate: number): void;
  /** True once stopped (by stop(), lifetime or maxRequests). */
  readonly stopped: boolean;
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

/** mulberry32: a tiny, well-mixed 32-bit PRNG; the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  if (target.protocol !== 'http:' || !['127.0.0.1', '[::1]', 'localhost'].includes(target.hostname)) {
    throw new Error(`fault proxy only fronts plain-http loopback registries, not ${target.origin}`);
  }
  const faults = opts.faults ?? ALL_FAULTS;
  if (faults.length === 0) throw new Error('fault proxy needs at least one fault kind');
  let rate = checkRate(opts.rate);
  const phase = opts.phase ?? 'request';
  const maxRequests = opts.maxRequests ?? 10_000;
  const random = seededRandom(opts.seed ?? 1);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const sockets = new Set<Socket>();
  const events: ProxyEvent[] = [];
  let forwarded = 0;
  let injectedCount = 0;
  /** Where in its body a body-reset cuts, as a fraction drawn up front (the length is not known yet). */
  const cutAt = new WeakMap<ProxyEvent, number>();
  let origin = '';
  let stopped: Promise<void> | undefined;

  /** Rewrite the registry's own absolute URLs (upload Locations) to point at the proxy. */
  const rewriteLocation = (value: string): string => {
    try {
      const parsed = new URL(value);
      if (parsed.origin !== target.origin) return value;
      return `${origin}${parsed.pathname}${parsed.search}`;
    } catch {
      return value; // relative: already resolves against the proxy
    }
  };

  const responseHeaders = (headers: IncomingHttpHeaders): IncomingHttpHeaders => {
    const out: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined || HOP_BY_HOP.has(name)) continue;
      out[name] = name === 'location' && typeof value === 'string' ? rewriteLocation(value) : value;
    }
    return out;
  };

  const inject = (event: ProxyEvent, req: IncomingMessage, res: ServerResponse): void => {
    if (event.fault === 'reset') {
      req.socket.destroy();
      return;
    }
    const status = Number(event.fault);
    const code = status === 429 ? 'TOOMANYREQUESTS' : status === 500 ? 'UNKNOWN' : 'UNAVAILABLE';
    const body = Buffer.from(
      JSON.stringify({ errors: [{ code, message: `injected by fault proxy (request ${event.n}, ${event.phase})` }] })
    );
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
      ...(event.retryAfter !== undefined ? { 'retry-after': event.retryAfter } : {})
    });
    res.end(body);
  };

  const uninject = (event: ProxyEvent): void => {
    delete event.fault;
    delete event.phase;
    delete event.resetAfterBytes;
    injectedCount--;
  };

  /** Pass the status, headers and the first N bytes of the body on, then reset the connection. */
  const cutBody = (event: ProxyEvent, up: IncomingMessage, req: IncomingMessage, res: ServerResponse): void => {
    const length = Number(up.headers['content-length']);
    const n = opts.bodyResetAfterBytes ?? Math.floor((cutAt.get(event) ?? 0.5) * (Number.isFinite(length) ? length : 64 * 1024));
    event.resetAfterBytes = n;
    res.writeHead(up.statusCode ?? 200, responseHeaders(up.headers));
    let sent = 0;
    const cut = (): void => {
      up.destroy();
      // After the bytes are flushed, so the client really has read part of the body.
      res.write('', () => req.socket.destroy());
    };
    if (n === 0) return cut();
    up.on('data', (chunk: Buffer) => {
      if (sent >= n) return;
      const part = chunk.subarray(0, n - sent);
      sent += part.length;
      res.write(part);
      if (sent >= n) cut();
    });
    up.once('end', () => {
      if (sent >= n) return;
      // The body was shorter than N: it went through whole, and nothing was injected.
      uninject(event);
      res.end();
    });
    up.once('error', () => req.socket.destroy());
  };

  const forward = (event: ProxyEvent, req: IncomingMessage, res: ServerResponse): void => {
    const headers: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    headers.host = target.host;
    const upstream = request({
      host: target.hostname.replace(/^\[|\]$/g, ''),
      port: target.port || 80,
      method: req.method,
      path: req.url,
      headers,
      agent
    });
    forwarded++;
    upstream.on('response', (up) => {
      event.upstreamStatus = up.statusCode;
      if (event.fault === 'body-reset') {
        if (isBlobGet(event) && (up.statusCode === 200 || up.statusCode === 206)) return cutBody(event, up, req, res);
        // Drawn for a request with no blob body: not a fault after all.
        uninject(event);
      }
      if (event.fault) {
        // The registry has done the work; the client never hears about it.
        up.resume();
        up.once('end', () => inject(event, req, res));
        up.once('error', () => req.socket.destroy());
        return;
      }
      res.writeHead(up.statusCode ?? 502, responseHeaders(up.headers));
      up.pipe(res);
      up.once('error', () => res.destroy());
    });
    upstream.on('error', (err) => {
      if (res.headersSent || event.fault === 'reset') {
        res.destroy();
        return;
      }
      const body = Buffer.from(
        JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `fault proxy: registry ${target.host} unreachable: ${err.message}` }] })
      );
      res.writeHead(502, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
    // The client went away (or we reset it): abandon the upstream request too.
    res.once('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    const n = events.length + 1;
    const event: ProxyEvent = { n, method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '' };
    if (typeof req.headers.range === 'string') event.range = req.headers.range;
    events.push(event);
    // Always four draws per request, so the sequence does not depend on which branch is taken.
    const [hit, kind, after, when] = [random(), random(), random(), random()];
    if (hit < rate && injectedCount < (opts.maxFaults ?? Infinity)) {
      event.fault = faults[Math.min(faults.length - 1, Math.floor(kind * faults.length))];
      injectedCount++;
      if (event.fault === 'body-reset') {
        event.phase = 'body';
        cutAt.set(event, after);
      } else {
        event.phase = phase === 'either' ? (when < 0.5 ? 'request' : 'response') : phase;
      }
      if (event.fault === '429') event.retryAfter = after < 0.5 ? '0' : '1';
    }
    if (n >= maxRequests) void stop();

    if (event.fault && event.phase === 'request') {
      // Let the upload body drain (or be cut off, for a reset) without ever reaching the registry.
      if (event.fault !== 'reset') req.resume();
      inject(event, req, res);
      return;
    }
    forward(event, req, res);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // A reset mid-request makes the server see a client error; that is the point, not a problem.
  server.on('clientError', (_err, socket: Socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  origin = `http://127.0.0.1:${port}`;

  const lifetime = setTimeout(() => void stop(), opts.lifetimeMs ?? 5 * 60_000);
  lifetime.unref();

  function stop(): Promise<void> {
    stopped ??= new Promise<void>((resolve) => {
      clearTimeout(lifetime);
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
      agent.destroy();
    });
    return stopped;
  }

  return {
    url: origin,
    registry: `127.0.0.1:${port}`,
    events,
    stats: () => {
      const injected: Record<FaultKind, number> = { '429': 0, '500': 0, '502': 0, '503': 0, reset: 0, 'body-reset': 0 };
      for (const e of events) if (e.fault) injected[e.fault]++;
      return { requests: events.length, forwarded, injected, injectedTotal: Object.values(injected).reduce((a, b) => a + b, 0) };
    },
    lastFault: () => [...events].reverse().find((e) => e.fault !== undefined),
    setRate: (next: number) => {
      rate = checkRate(next);
    },
    get stopped() {
      return stopped !== undefined;
    },
    stop
  };
}

function checkRate(rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new Error(`fault rate must be within 0..1, got ${rate}`);
  return rate;
}

/** A GET of a blob by digest: the only answers a body-reset cuts. */
function isBlobGet(event: ProxyEvent): boolean {
  return event.method === 'GET' && /\/blobs\/[a-z0-9]+:[a-f0-9]+$/.test(event.path);
}
