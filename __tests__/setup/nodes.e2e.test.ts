/**
 * Native nodes against the real buildx 0.13 on this machine, loopback only:
 * - `remote` nodes backed by a real BuildKit (dockerd's, through buildkit-proxy.ts): the builder
 *   is created and bootstrapped, the plan marks both platforms native, and each leg is built
 *   through the node configured for its platform (and only that node is dialled);
 * - a `remote` node nobody listens on: the bootstrap fails with buildx's message, and the
 *   builder was already recorded for post to remove;
 * - `kubernetes` nodes with a kubeconfig pointing at a closed loopback port: the builder config
 *   is created with namespace/replicas/nodeselector (bootstrapping needs a cluster);
 * - a `docker-container` local node, then an `ssh://` node that cannot connect.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildLegArgs } from '../../src/build/args.js';
import { runLegs } from '../../src/build/legs.js';
import { resolveConfig } from '../../src/config.js';
import { exec } from '../../src/exec.js';
import { decide } from '../../src/plan/decide.js';
import { parseInspect } from '../../src/setup/buildx.js';
import { resolveBuilder } from '../../src/setup/builder.js';
import { buildBuilderRemoveArgs, createNodesBuilder, resolvePlanNodes } from '../../src/setup/nodes.js';
import type { NodeSpec } from '../../src/types/config.js';
import { BASE_CONTEXTS, requireStack } from '../e2e/harness.js';
import { closedPort, startBuildkitProxy, type BuildkitProxy } from './buildkit-proxy.js';

const runId = () => `nodes-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const created: string[] = [];

async function inspect(name: string, env?: Record<string, string>) {
  const res = await exec('docker', ['buildx', 'inspect', name], env ? { env } : {});
  return { code: res.code, stdout: res.stdout, info: res.code === 0 ? parseInspect(res.stdout) : undefined };
}

beforeAll(() => requireStack());

afterAll(async () => {
  // What post does: remove exactly the builders this run created.
  for (const name of created) await exec('docker', buildBuilderRemoveArgs(name));
});

describe('remote nodes with a real BuildKit behind loopback endpoints', () => {
  let amd: BuildkitProxy;
  let arm: BuildkitProxy;
  let work: string;
  let name: string;
  let nodes: NodeSpec[];
  let resolved: Awaited<ReturnType<typeof resolveBuilder>>;

  beforeAll(async () => {
    amd = await startBuildkitProxy();
    arm = await startBuildkitProxy();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'nodes-e2e-'));
    fs.writeFileSync(path.join(work, 'Dockerfile'), 'FROM busybox:1.35\nRUN uname -m > /arch\n');
    const inputs: Record<string, string> = {
      context: work,
      platforms: 'linux/amd64,linux/arm64',
      network: 'host',
      'build-contexts': BASE_CONTEXTS,
      nodes: `- {name: amd64-node, driver: remote, endpoint: "${amd.endpoint}", platforms: linux/amd64}\n- {name: arm64-node, driver: remote, endpoint: "${arm.endpoint}", platforms: [linux/arm64]}\n`
    };
    const config = resolveConfig((n) => inputs[n] ?? '', { workspace: work, tempDir: work, onSecret: () => undefined, onWarning: () => undefined });
    nodes = config.nodes;
    const id = runId();
    resolved = await resolveBuilder({ driver: 'auto', platforms: [], runId: id, onCreated: (n) => created.push(n), nodes, targetPlatforms: config.platforms, hostPlatforms: ['linux/amd64'], create: { image: 'moby/buildkit:v0.31.2' } });
    name = resolved.name;
  }, 120_000);

  afterAll(async () => {
    await amd?.close();
    await arm?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('the builder is created for the run, recorded, and both nodes run', async () => {
    expect(resolved).toMatchObject({ created: true, driver: 'remote', nativePlatforms: ['linux/amd64', 'linux/arm64'] });
    expect(name).toMatch(/^multiarch-nodes-/);
    expect(created).toContain(name);
    const { info } = await inspect(name);
    expect(info!.nodes.map((n) => [n.name, n.endpoint, n.status, n.platforms[0]])).toEqual([
      ['amd64-node', amd.endpoint, 'running', 'linux/amd64'],
      ['arm64-node', arm.endpoint, 'running', 'linux/arm64']
    ]);
  });

  test('the plan marks both platforms native on their nodes', () => {
    const machines = resolvePlanNodes(nodes, ['linux/amd64']);
    const plan = decide({
      dockerfileText: fs.readFileSync(path.join(work, 'Dockerfile'), 'utf8'),
      dockerfilePath: path.join(work, 'Dockerfile'),
      platforms: ['linux/amd64', 'linux/arm64'],
      buildArgs: {},
      nativePlatforms: machines.nativePlatforms,
      nodes: machines.nodes,
      crossCompile: 'off',
      image: 'nodes-e2e'
    });
    expect(plan.platforms.map((p) => [p.platform, p.strategy, p.node])).toEqual([
      ['linux/amd64', 'native', 'amd64-node'],
      ['linux/arm64', 'native', 'arm64-node']
    ]);
  });

  test.each(['linux/arm64', 'linux/amd64'])('the %s leg builds through its own node only', async (platform) => {
    const inputs: Record<string, string> = { context: work, platforms: platform, network: 'host', 'build-contexts': BASE_CONTEXTS };
    const config = resolveConfig((n) => inputs[n] ?? '', { workspace: work, tempDir: work, onSecret: () => undefined, onWarning: () => undefined });
    const p = { platform, strategy: 'native' as const, language: 'unknown', emulatedSteps: [], rewrite: null, reasons: [], cacheScope: `nodes-e2e-${platform}` };
    const slug = platform.replace(/\//g, '-');
    const leg = { platform: p, outDir: path.join(work, `out-${slug}`), metadataFile: path.join(work, `${slug}.json`) };
    const before = { amd: amd.connections(), arm: arm.connections() };
    const [out] = await runLegs([{ leg, args: buildLegArgs({ config, platform: p, builder: name, dockerfile: config.file, outDir: leg.outDir, metadataFile: leg.metadataFile, secretFiles: {} }) }]);
    expect({ ok: out!.built.ok, error: out!.built.error }).toEqual({ ok: true, error: undefined });
    expect(out!.log).toContain(`building with "${name}" instance using remote driver`);
    const dialled = { amd: amd.connections() > before.amd, arm: arm.connections() > before.arm };
    expect(dialled).toEqual(platform === 'linux/arm64' ? { amd: false, arm: true } : { amd: true, arm: false });
  }, 300_000);
});

test('a remote node nobody listens on: buildx says why, and the builder is already recorded', async () => {
  const port = await closedPort();
  const names: string[] = [];
  const nodes: NodeSpec[] = [{ name: 'gone', driver: 'remote', endpoint: `tcp://127.0.0.1:${port}`, platforms: ['linux/arm64'], driverOpts: [] }];
  const id = runId();
  await expect(resolveBuilder({ driver: 'auto', platforms: [], runId: id, onCreated: (n) => (names.push(n), created.push(n)), nodes, targetPlatforms: ['linux/arm64'], hostPlatforms: ['linux/amd64'], create: { image: 'moby/buildkit:v0.31.2' } })).rejects.toThrow(
    /context deadline exceeded|connection refused/
  );
  expect(names).toEqual([`multiarch-${id}`]);
  expect((await inspect(names[0]!)).info!.nodes.map((n) => n.endpoint)).toEqual([`tcp://127.0.0.1:${port}`]);
}, 120_000);

describe('kubernetes nodes, one per arch, without a cluster', () => {
  let kube: string;
  let env: Record<string, string>;
  let name: string;

  beforeAll(async () => {
    const port = await closedPort();
    kube = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-'));
    fs.writeFileSync(
      path.join(kube, 'config'),
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: loop, cluster: {server: "https://127.0.0.1:' + port + '", insecure-skip-tls-verify: true}}]',
        'users: [{name: u, user: {token: not-a-credential}}]',
        'contexts: [{name: loop, context: {cluster: loop, user: u, namespace: default}}]',
        'current-context: loop',
        ''
      ].join('\n')
    );
    // buildx reads KUBECONFIG (jest's process.env is a copy, so it is passed explicitly).
    env = { ...(process.env as Record<string, string>), KUBECONFIG: path.join(kube, 'config') };
    const inputs: Record<string, string> = {
      context: 'examples/go-cross',
      platforms: 'linux/amd64,linux/arm64',
      nodes: [
        '- name: arm64',
        '  driver: kubernetes',
        '  platforms: linux/arm64',
        '  driver-opts: [namespace=buildkit, replicas=2, nodeselector=kubernetes.io/arch=arm64]',
        '- name: amd64',
        '  driver: kubernetes',
        '  platforms: linux/amd64',
        '  driver-opts: {namespace: buildkit, nodeselector: "kubernetes.io/arch=amd64,kubernetes.io/os=linux"}',
        ''
      ].join('\n')
    };
    const config = resolveConfig((n) => inputs[n] ?? '', { workspace: process.cwd(), tempDir: os.tmpdir(), onSecret: () => undefined, onWarning: () => undefined });
    name = `multiarch-${runId()}`;
    await createNodesBuilder({ name, nodes: config.nodes, platforms: config.platforms, hostPlatforms: ['linux/amd64'], onCreated: () => undefined, bootstrap: false, env });
  }, 60_000);

  afterAll(async () => {
    // Removed with the same KUBECONFIG (a no-op when the test below removed it).
    await exec('docker', buildBuilderRemoveArgs(name), { env });
    fs.rmSync(kube, { recursive: true, force: true });
  });

  test('the builder config holds both nodes with their driver options', async () => {
    const { stdout, info } = await inspect(name, env);
    expect(info).toMatchObject({ name, driver: 'kubernetes' });
    expect(info!.nodes.map((n) => [n.name, n.status, n.platforms])).toEqual([
      ['arm64', 'inactive', ['linux/arm64']],
      ['amd64', 'inactive', ['linux/amd64']]
    ]);
    expect(info!.nodes[0]!.endpoint).toMatch(new RegExp(`^kubernetes:///${name}\\?deployment=arm64&kubeconfig=`));
    // buildx prints driver options in map order, which varies: compare them as sets.
    const options = [...stdout.matchAll(/^Driver Options:\s+(.*)$/gm)].map((m) => [...m[1]!.matchAll(/(\S+?)="([^"]*)"/g)].map((o) => `${o[1]}=${o[2]}`).sort());
    expect(options).toEqual([
      ['namespace=buildkit', 'nodeselector=kubernetes.io/arch=arm64', 'replicas=2'],
      // Two selectors in one value stayed one option (CSV-quoted for buildx).
      ['namespace=buildkit', 'nodeselector=kubernetes.io/arch=amd64,kubernetes.io/os=linux']
    ]);
  });

  test('removing it without a cluster fails to delete the Deployments, but the builder is gone', async () => {
    const rm = await exec('docker', buildBuilderRemoveArgs(name), { env });
    expect(rm.code).not.toBe(0);
    expect(rm.stderr).toMatch(/deploymentClient\.Delete|connection refused/);
    expect((await inspect(name, env)).code).not.toBe(0);
  });
});

test('docker-container: a local node first, then an ssh node that cannot connect fails the append', async () => {
  const port = await closedPort();
  const names: string[] = [];
  const name = `multiarch-${runId()}`;
  const nodes: NodeSpec[] = [{ name: 'arm', driver: 'docker-container', endpoint: `ssh://nobody@127.0.0.1:${port}`, platforms: ['linux/arm64'], driverOpts: [] }];
  await expect(createNodesBuilder({ name, nodes, platforms: ['linux/amd64', 'linux/arm64'], hostPlatforms: ['linux/amd64'], onCreated: (n) => (names.push(n), created.push(n)), bootstrap: false })).rejects.toThrow(
    /ssh|Connection refused/
  );
  expect(names).toEqual([name]);
  // buildx 0.13 keeps the builder after a failed append (and drops the local node's platforms),
  // which is why it is recorded before the append: post removes it.
  const { info } = await inspect(name);
  expect(info!.nodes.map((n) => n.name)).toEqual([`${name}-local`]);
}, 120_000);
