/**
 * A blob GET whose connection drops in the middle of the body: openBlob re-opens it with a Range
 * request from the offset already read (or, when the server ignores Range, from the start,
 * dropping what was read), so the caller sees one whole, verified stream. Against a small HTTP
 * server on 127.0.0.1 that cuts its answers after a set number of bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegistryClient } from '../../src/registry/client.js';

const blob = randomBytes(300_000);
const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;

interface Served {
  range?: string;
  status: number;
  cutAfter?: number;
}

/** Cuts the first `cuts.length` blob answers after cuts[i] bytes; honours Range unless told not to. */
async function startServer(cuts: number[], opts: { ignoreRange?: boolean } = {}): Promise<{ server: Server; registry: string; served: Served[] }> {
  const served: Served[] = [];
  const server = createServer((req, res) => {
    if (req.url === '/v2/') return res.writeHead(200).end('{}');
    const range = req.headers.range;
    const m = /^bytes=(\d+)-$/.exec(range ?? '');
    const start = m && !opts.ignoreRange ? Number(m[1]) : 0;
    const body = blob.subarray(start);
    const cutAfter = cuts[served.length];
    served.push({ range, status: start ? 206 : 200, cutAfter });
    res.writeHead(start ? 206 : 200, {
      'content-type': 'application/octet-stream',
      'content-length': body.length,
      ...(start ? { 'content-range': `bytes ${start}-${blob.length - 1}/${blob.length}` } : {})
    });
    if (cutAfter === undefined) return res.end(body);
    res.write(body.subarray(0, cutAfter), () => setTimeout(() => req.socket.destroy(), 20));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, registry: `127.0.0.1:${(server.address() as AddressInfo).port}`, served };
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

test('two resets mid-body: resumed with Range from the bytes already read, whole and verified', async () => {
  const s = await startServer([100_000, 50_000]);
  server = s.server;
  const client = new RegistryClient({ registry: s.registry, retry: { attempts: 5, baseDelayMs: 5, maxDelayMs: 20 } });
  try {
    const got = await readAll(await client.openBlob('app', digest, blob.length));
    expect(got.equals(blob)).toBe(true);
    expect(s.served.map((x) => x.range)).toEqual([undefined, 'bytes=100000-', 'bytes=150000-']);
    expect(s.served.map((x) => x.status)).toEqual([200, 206, 206]);
  } finally {
    client.close();
  }
});

test('a server that ignores Range: started again from zero, the bytes already read dropped', async () => {
  const s = await startServer([120_000], { ignoreRange: true });
  server = s.server;
  const client = new RegistryClient({ registry: s.registry, retry: { attempts: 5, baseDelayMs: 5, maxDelayMs: 20 } });
  try {
    const got = await readAll(await client.openBlob('app', digest, blob.length));
    expect(got.equals(blob)).toBe(true);
    expect(s.served.map((x) => [x.range, x.status])).toEqual([[undefined, 200], ['bytes=120000-', 200]]);
  } finally {
    client.close();
  }
});

test('resets past the retry budget: the stream fails with the network error and says how often it tried', async () => {
  const s = await startServer([1000, 1000, 1000, 1000]);
  server = s.server;
  const client = new RegistryClient({ registry: s.registry, retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 } });
  try {
    await expect(readAll(await client.openBlob('app', digest, blob.length))).rejects.toThrow(/(aborted|ECONNRESET|socket hang up|premature close).*\(after 3 attempts\)/i);
    expect(s.served).toHaveLength(3);
  } finally {
    client.close();
  }
});
