/**
 * A stand-in for github.com's Git smart HTTP, for tests: node:http on 127.0.0.1 running the real
 * `git http-backend` as a CGI (GIT_PROJECT_ROOT, GIT_HTTP_EXPORT_ALL), behind GitHub's token form
 * of basic auth: `Authorization: Basic base64(x-access-token:<token>)`. Anything else is a 401
 * with a Basic challenge, as github.com answers a private repository. Read-only (upload-pack).
 */
import { execFileSync, spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

export interface GitServer {
  /** `http://127.0.0.1:<port>`: what GITHUB_SERVER_URL would be. */
  url: string;
  /** GIT_PROJECT_ROOT: `<root>/<owner>/<name>.git` is served as `/<owner>/<name>.git`. */
  root: string;
  /** Paths and statuses of the requests served, for assertions (never the credentials). */
  requests: { method: string; path: string; status: number }[];
  close(): Promise<void>;
}

export async function startGitServer(opts: { token: string }): Promise<GitServer> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'git-server-'));
  const expected = Buffer.from(Buffer.from(`x-access-token:${opts.token}`).toString('base64'));
  const requests: GitServer['requests'] = [];

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // The scheme is case-insensitive (RFC 9110 §11.1): actions/checkout sends `basic`.
    const [scheme = '', credentials = ''] = (req.headers.authorization ?? '').split(/\s+/, 2);
    const given = Buffer.from(scheme.toLowerCase() === 'basic' ? credentials : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      requests.push({ method: req.method ?? 'GET', path: url.pathname, status: 401 });
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="GitHub"', 'Content-Type': 'text/plain' });
      res.end('Invalid username or token. Password authentication is not supported for Git operations.\n');
      return;
    }
    serveCgi(root, url, req, res, (status) => requests.push({ method: req.method ?? 'GET', path: url.pathname, status }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    root,
    requests,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(root, { recursive: true, force: true });
    }
  };
}

/** Runs `git http-backend` for one request and relays its CGI response (headers, then the body). */
function serveCgi(root: string, url: URL, req: IncomingMessage, res: ServerResponse, done: (status: number) => void): void {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: '127.0.0.1',
    REMOTE_USER: 'x-access-token',
    // Protocol v2 (git's default since 2.26) is asked for in this header.
    ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
    // git gzips large upload-pack requests; http-backend inflates them when told.
    ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
    ...(req.headers['content-length'] ? { CONTENT_LENGTH: String(req.headers['content-length']) } : {})
  };
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  let head = Buffer.alloc(0);
  let headersSent = false;
  let status = 200;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const crlf = head.indexOf('\r\n\r\n');
    const lf = head.indexOf('\n\n');
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
    if (end < 0) return;
    const sep = end === crlf ? 4 : 2;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i <= 0) continue;
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    headersSent = true;
    res.write(head.subarray(end + sep));
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('close', (code) => {
    if (!headersSent) {
      status = 500;
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.write(`git http-backend exited ${code}: ${stderr}`);
    }
    res.end();
    done(status);
  });
}

/**
 * A repository of directories (repo path → source dir) in one commit, pushed
 * bare to `<server root>/<name>.git`. Returns the commit's sha.
 */
export function publishRepository(server: GitServer, name: string, dirs: Record<string, string>): string {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'git-work-'));
  try {
    for (const [dest, src] of Object.entries(dirs)) fs.cpSync(src, path.join(work, dest), { recursive: true });
    const git = (args: string[], cwd = work) =>
      execFileSync('git', ['-c', 'user.name=multiarch-test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    git(['init', '-q']);
    git(['add', '-A']);
    git(['commit', '-q', '-m', 'app']);
    const sha = git(['rev-parse', 'HEAD']);
    const bare = path.join(server.root, `${name}.git`);
    fs.mkdirSync(path.dirname(bare), { recursive: true });
    git(['clone', '-q', '--bare', work, bare], server.root);
    return sha;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
