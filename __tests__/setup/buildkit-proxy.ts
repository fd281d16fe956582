/**
 * A real BuildKit at a loopback TCP endpoint, for `remote` driver nodes: each connection is
 * upgraded to dockerd's built-in BuildKit (`POST /grpc`, Upgrade: h2c on the Docker socket, as
 * buildx's docker driver dials it) and then piped both ways. No BuildKit image can be pulled
 * here, so this is how a `remote` node gets a running daemon. Listens on 127.0.0.1 only.
 */
import * as net from 'node:net';

export interface BuildkitProxy {
  endpoint: string;
  /** Connections accepted so far: which node buildx dialled. */
  connections(): number;
  close(): Promise<void>;
}

export async function startBuildkitProxy(dockerSocket = '/var/run/docker.sock'): Promise<BuildkitProxy> {
  let count = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    count++;
    open.add(client);
    client.on('close', () => open.delete(client));
    const upstream = net.createConnection(dockerSocket, () => {
      upstream.write('POST /grpc HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 0\r\n\r\n');
    });
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    let head = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      upstream.off('data', onHead);
      if (!/^HTTP\/1\.[01] 101 /.test(head.subarray(0, head.indexOf('\r\n')).toString())) {
        client.destroy();
        upstream.destroy();
        return;
      }
      const rest = head.subarray(end + 4);
      if (rest.length) client.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
    };
    upstream.on('data', onHead);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `tcp://127.0.0.1:${port}`,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      })
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
