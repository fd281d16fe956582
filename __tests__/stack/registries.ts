/**
 * Extra REAL registries for tests: the distribution 2.8 `docker-registry` binary (the one
 * scripts/stack.sh runs on :5000), each with its own config and storage in a temp dir, on a free
 * 127.0.0.1 port, with htpasswd Basic auth or Docker token auth.
 *
 *   const reg = await startBasicAuthRegistry();        // reg.username / reg.password
 *   const reg = await startTokenAuthRegistry();        // reg.tokens: the JWT token service
 *   ... new RegistryClient({ registry: reg.registry, credentials }) ...
 *   await reg.stop();
 *
 * Tools: `docker-registry`, `htpasswd` (apache2-utils) for Basic, `openssl` for token auth. A
 * missing one is an error naming the package, never a silent skip. Not a test file itself.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { probeRegistry } from './http.js';
import { startTokenService, type TokenService, type TokenServiceOptions } from './token-service.js';

export interface TestRegistry {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, as a RegistryClient or an image reference names it. */
  registry: string;
  /** The registry's own log so far (stdout and stderr), for failure messages. */
  logs(): string;
  /** Stop the registry (and its token service) and delete its config and storage. Idempotent. */
  stop(): Promise<void>;
}

export interface BasicAuthRegistry extends TestRegistry {
  username: string;
  password: string;
}

export interface TokenAuthRegistry extends TestRegistry {
  username: string;
  password: string;
  tokens: TokenService;
}

export interface StartRegistryOptions {
  /** The `auth:` section of the registry config, as an object; omitted = no auth. */
  auth?: Record<string, unknown>;
  /** Files to write into the registry's temp dir before it starts (name → contents). */
  files?: Record<string, string>;
  /** How long to wait for /v2/ to answer. */
  readyTimeoutMs?: number;
}

const BINARY = 'docker-registry';
const LOG_LIMIT = 256 * 1024;
/** A free port can be taken between our probe and the registry's bind; try a few. */
const PORT_ATTEMPTS = 4;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Start a registry; `auth` and `files` may use `{{dir}}` for its temp directory. */
export async function startRegistry(opts: StartRegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'multiarch-registry-'));
  try {
    for (const [name, contents] of Object.entries(opts.files ?? {})) {
      await writeFile(join(dir, name), contents, { mode: 0o600 });
    }
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
      const port = await freePort();
      try {
        return await launch(dir, port, opts);
      } catch (err) {
        lastError = err as Error;
        // Only a lost race for the port is worth another go.
        if (!/address already in use/i.test(lastError.message)) break;
      }
    }
    throw lastError ?? new Error('registry did not start');
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** A registry behind htpasswd Basic auth with one user (random password unless given). */
export async function startBasicAuthRegistry(
  opts: { username?: string; password?: string; readyTimeoutMs?: number } = {}
): Promise<BasicAuthRegistry> {
  const username = opts.username ?? 'multiarch';
  const password = opts.password ?? `pw-${randomBytes(12).toString('hex')}`;
  const line = await htpasswdLine(username, password);
  const reg = await startRegistry({
    files: { htpasswd: line },
    auth: { htpasswd: { realm: 'multiarch-test', path: '{{dir}}/htpasswd' } },
    readyTimeoutMs: opts.readyTimeoutMs
  });
  return { ...reg, username, password };
}

/**
 * A registry with Docker token auth, and the JWT token service it trusts (started first, on its
 * own free port). The token service knows one user (random password unless given) plus any in
 * `opts.users`, and grants what is asked unless `opts.grant` says otherwise.
 */
export async function startTokenAuthRegistry(
  opts: Partial<TokenServiceOptions> & { username?: string; password?: string; readyTimeoutMs?: number } = {}
): Promise<TokenAuthRegistry> {
  const username = opts.username ?? 'multiarch';
  const password = opts.password ?? `pw-${randomBytes(12).toString('hex')}`;
  const service = opts.service ?? 'multiarch-test-registry';
  const issuer = opts.issuer ?? 'multiarch-test-token-issuer';
  const tokens = await startTokenService({ ...opts, service, issuer, users: { [username]: password, ...opts.users } });
  try {
    const reg = await startRegistry({
      files: { 'token-root.pem': tokens.certificatePem },
      auth: { token: { realm: tokens.realm, service, issuer, rootcertbundle: '{{dir}}/token-root.pem' } },
      readyTimeoutMs: opts.readyTimeoutMs
    });
    return {
      ...reg,
      username,
      password,
      tokens,
      stop: async () => {
        await reg.stop();
        await tokens.stop();
      }
    };
  } catch (err) {
    await tokens.stop();
    throw err;
  }
}

/** `user:$2y$…` from `htpasswd -nBi` (bcrypt, password on stdin so it is not in any argv). */
export function htpasswdLine(username: string, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Cost 4, the minimum: the registry checks the hash on every request.
    const child = execFile('htpasswd', ['-nBi', '-C', '4', username], { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        reject(
          new Error(
            missing
              ? 'htpasswd is not installed (Debian package apache2-utils); the Basic-auth test registry needs it'
              : `htpasswd failed: ${stderr.trim() || err.message}`
          )
        );
        return;
      }
      const line = stdout.trim();
      if (!line.startsWith(`${username}:$2`)) {
        reject(new Error('htpasswd did not produce a bcrypt entry'));
        return;
      }
      resolve(`${line}\n`);
    });
    child.stdin?.end(`${password}\n`);
  });
}

async function launch(dir: string, port: number, opts: StartRegistryOptions): Promise<TestRegistry> {
  const registry = `127.0.0.1:${port}`;
  const url = `http://${registry}`;
  const configPath = join(dir, 'config.yml');
  const config = {
    version: 0.1,
    log: { level: 'info', accesslog: { disabled: true }, fields: { service: 'multiarch-test-registry' } },
    storage: {
      filesystem: { rootdirectory: join(dir, 'storage') },
      delete: { enabled: true },
      maintenance: { uploadpurging: { enabled: false } }
    },
    http: { addr: registry, secret: randomBytes(16).toString('hex'), headers: { 'X-Content-Type-Options': ['nosniff'] } },
    ...(opts.auth ? { auth: substituteDir(opts.auth, dir) } : {})
  };
  await writeFile(configPath, stringify(config), { mode: 0o600 });

  // REGISTRY_* variables override the config file; keep the environment's out of it.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('REGISTRY_')) env[k] = v;

  const child = spawn(BINARY, ['serve', configPath], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  installExitHook();
  let log = '';
  const append = (chunk: Buffer): void => {
    log += chunk.toString('utf8');
    if (log.length > LOG_LIMIT) log = log.slice(-LOG_LIMIT);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let done: { code: number | null; signal: NodeJS.Signals | null; error?: Error } | undefined;
  void exited.then((result) => {
    done = result;
    live.delete(child);
  });

  let killed: Promise<void> | undefined;
  const kill = (): Promise<void> => {
    killed ??= (async () => {
      if (!done) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
    })();
    return killed;
  };
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= kill().then(() => rm(dir, { recursive: true, force: true }));
    return stopped;
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (done) {
      const why = done.error
        ? (done.error as NodeJS.ErrnoException).code === 'ENOENT'
          ? `${BINARY} is not installed (Debian package docker-registry)`
          : done.error.message
        : `exited with ${done.signal ?? `code ${done.code}`}`;
      await kill();
      throw new Error(`test registry on ${registry} did not start: ${why}\n${log.trim()}`);
    }
    if ((await probeRegistry(url, 1000)) === undefined) break;
    if (Date.now() > deadline) {
      await kill();
      throw new Error(`test registry on ${registry} did not answer /v2/ within ${opts.readyTimeoutMs ?? 20_000} ms\n${log.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, registry, logs: () => log, stop };
}

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

function substituteDir(value: Record<string, unknown>, dir: string): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value).replaceAll('{{dir}}', dir.replaceAll('\\', '\\\\'))) as Record<string, unknown>;
}

/** A test that forgets stop() must not leave registries running after the process exits. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}
