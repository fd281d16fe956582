/**
 * The three REAL Docker engines of the test stack (`bash scripts/stack.sh up`), side by side:
 *
 *   docker28-containerd  Debian forky's docker 28.5 + buildx 0.29 + containerd 2.1, containerd
 *                        image store, /var/run/docker.sock (the default engine)
 *   docker28-classic     the same dockerd with the classic image store (graphdriver overlay2),
 *                        as on GitHub-hosted runners; /run/multiarch-stack/docker-classic.sock
 *   docker26-containerd  trixie's docker 26.1 + buildx 0.13.1 + containerd 1.7, containerd image
 *                        store (a self-hosted runner that lags); /run/multiarch-stack/docker26.sock,
 *                        its own client (PATH) and buildx plugin (DOCKER_CONFIG/cli-plugins)
 *
 *   requireEngine('docker28-classic');   // throws (never skips) unless it answers
 *   execFile('docker', args, { env: engineProcessEnv('docker28-classic') });
 *
 * engineEnv() gives the same variables as `scripts/stack.sh env ENGINE`. Not a test file itself.
 */
import { execFileSync } from 'node:child_process';
import { delimiter } from 'node:path';

/** (Order as in the engines e2e test's describe.each: the GitHub-hosted runner's classic store first.) */
export const ENGINES = ['docker28-classic', 'docker28-containerd', 'docker26-containerd'] as const;
export type EngineName = (typeof ENGINES)[number];
export const DEFAULT_ENGINE: EngineName = 'docker28-containerd';

/** docker26-containerd's client side: a dir holding only the 26.1 `docker`, and a DOCKER_CONFIG whose cli-plugins has buildx 0.13.1. */
export const DOCKER26_CLIENT_BIN = '/opt/multiarch-stack/docker26/client/bin';
export const DOCKER26_CONFIG = '/opt/multiarch-stack/docker26/config';

const SOCKETS: Record<EngineName, string> = {
  'docker28-containerd': '/var/run/docker.sock',
  'docker28-classic': '/run/multiarch-stack/docker-classic.sock',
  'docker26-containerd': '/run/multiarch-stack/docker26.sock'
};

/** What each engine must look like, so that a test never runs against the wrong one unnoticed. */
const EXPECT: Record<EngineName, { server: (major: number) => boolean; buildx: (minor: number) => boolean; store: 'containerd' | 'classic'; what: string }> = {
  'docker28-containerd': { server: (m) => m >= 28, buildx: (m) => m >= 20, store: 'containerd', what: 'Docker 28+, buildx 0.20+, containerd image store' },
  'docker28-classic': { server: (m) => m >= 28, buildx: (m) => m >= 20, store: 'classic', what: 'Docker 28+, buildx 0.20+, classic image store' },
  'docker26-containerd': { server: (m) => m === 26, buildx: (m) => m === 13, store: 'containerd', what: 'Docker 26, buildx 0.13, containerd image store' }
};

const TIMEOUT_MS = 30_000;

export function isEngine(name: string): name is EngineName {
  return (ENGINES as readonly string[]).includes(name);
}

/**
 * The variables that point `docker` (and its buildx plugin) at `name`: DOCKER_HOST, and for
 * docker26-containerd also PATH (the 26.1 client dir first, then this process's PATH) and
 * DOCKER_CONFIG. Merge over process.env, or use engineProcessEnv().
 */
export function engineEnv(name: EngineName): Record<string, string> {
  if (!isEngine(name)) throw new Error(`unknown engine '${String(name)}' (one of: ${ENGINES.join(', ')})`);
  const env: Record<string, string> = { DOCKER_HOST: `unix://${SOCKETS[name]}` };
  if (name === 'docker26-containerd') {
    const rest = (process.env['PATH'] ?? '').split(delimiter).filter((p) => p !== '' && p !== DOCKER26_CLIENT_BIN);
    env['PATH'] = [DOCKER26_CLIENT_BIN, ...rest].join(delimiter);
    env['DOCKER_CONFIG'] = DOCKER26_CONFIG;
  }
  return env;
}

/**
 * process.env with engineEnv(name) over it. For the docker28 engines it also drops a
 * DOCKER_CONFIG that points at docker26's (buildx 0.13.1 would be picked up from it).
 */
export function engineProcessEnv(name: EngineName, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ...engineEnv(name) };
  if (name !== 'docker26-containerd' && env['DOCKER_CONFIG'] === DOCKER26_CONFIG) delete env['DOCKER_CONFIG'];
  return env;
}

function docker(args: string[], env: NodeJS.ProcessEnv): { ok: true; out: string } | { ok: false; problem: string } {
  try {
    const out = execFileSync('docker', args, { env, encoding: 'utf8', timeout: TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, out: out.trim() };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string; status?: number | null; signal?: string | null };
    if (e.code === 'ENOENT') return { ok: false, problem: 'no `docker` on PATH' };
    const stderr = (e.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
    const how = e.signal ? `killed by ${e.signal} (timeout ${TIMEOUT_MS} ms?)` : `exit ${e.status ?? '?'}`;
    return { ok: false, problem: `${how}${stderr ? `: ${stderr}` : ''}` };
  }
}

/**
 * Throws (so the calling test fails, never skips) unless `name` answers `docker info` and
 * `docker buildx version` under engineProcessEnv(name), and is the engine it claims to be
 * (server and buildx versions, image store).
 */
export function requireEngine(name: EngineName): void {
  const env = engineProcessEnv(name);
  const shown = Object.entries(engineEnv(name))
    .map(([k, v]) => (k === 'PATH' ? `PATH=${DOCKER26_CLIENT_BIN}:…` : `${k}=${v}`))
    .join(' ');
  const fail = (what: string): never => {
    throw new Error(`Docker engine ${name} (${shown}) ${what}; start the stack with \`bash scripts/stack.sh up\` (and see \`bash scripts/stack.sh status\`)`);
  };

  // The 26.1 CLI's `docker info --format` exits 0 with empty server fields when the daemon does
  // not answer: an empty ServerVersion counts as no answer.
  const info = docker(['info', '--format', '{{.ServerVersion}}|{{json .DriverStatus}}'], env);
  if (!info.ok) fail(`does not answer \`docker info\` (${info.problem})`);
  const [version = '', driverStatus = ''] = info.ok ? info.out.split('|') : [];
  if (version === '') fail('does not answer `docker info` (no server version)');

  const bx = docker(['buildx', 'version'], env);
  if (!bx.ok) fail(`has no working \`docker buildx\` (${bx.problem})`);
  // "github.com/docker/buildx v0.29.1 <commit>" upstream, "… 0.29.1+ds1 0.29.1+ds1-4" from Debian
  const bxVersion = (bx.ok ? bx.out.split(/\s+/)[1] : undefined) ?? '';

  const expect = EXPECT[name];
  const serverMajor = Number(/^(\d+)\./.exec(version)?.[1] ?? NaN);
  const buildxMinor = Number(/^v?0\.(\d+)\./.exec(bxVersion)?.[1] ?? NaN);
  const store = driverStatus.includes('io.containerd.snapshotter') ? 'containerd' : 'classic';
  if (!expect.server(serverMajor) || !expect.buildx(buildxMinor) || store !== expect.store) {
    fail(`is not what it should be (${expect.what}): server ${version}, buildx ${bxVersion || '?'}, ${store} image store`);
  }
}

/** The default engine's bridge (scripts/stack.sh: BRIDGE, BRIDGE_SUBNET): no NAT, no forwarding. */
export const STACK_BRIDGE = { name: 'multiarch0', subnet: '198.51.100.0/24' } as const;

/**
 * Throws (never skips) unless the default engine's `bridge` network is the stack's bridge.
 * BuildKit runs SBOM generators on its worker's default network, which for dockerd's built-in
 * BuildKit is `bridge`; an engine with `bridge: none` fails the build with "network bridge not found".
 */
export function requireBridge(): void {
  requireEngine(DEFAULT_ENGINE);
  const net = docker(['network', 'inspect', 'bridge', '--format', '{{index .Options "com.docker.network.bridge.name"}} {{range .IPAM.Config}}{{.Subnet}}{{end}}'], engineProcessEnv(DEFAULT_ENGINE));
  const want = `${STACK_BRIDGE.name} ${STACK_BRIDGE.subnet}`;
  if (!net.ok || net.out !== want) {
    const got = net.ok ? `its bridge network is '${net.out}'` : `it has no bridge network (${net.problem})`;
    throw new Error(`Docker engine ${DEFAULT_ENGINE} must have the bridge network '${want}' (BuildKit runs SBOM generators on it), but ${got}; run \`bash scripts/stack.sh up\` (and see \`bash scripts/stack.sh status\`)`);
  }
}
