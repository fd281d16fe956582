import {
  buildBuilderRemoveArgs,
  buildNodeCreateArgs,
  needsLocalNode,
  planNodesBuilder,
  resolveNodeWarnings,
  resolvePlanNodes,
  uncoveredPlatforms
} from '../../src/setup/nodes.js';
import type { NodeSpec } from '../../src/types/config.js';

const node = (over: Partial<NodeSpec> & { name: string }): NodeSpec => ({ platforms: ['linux/arm64'], driver: 'docker-container', driverOpts: [], ...over });

test.each<[string, NodeSpec, boolean, string[]]>([
  [
    'create: docker-container on a docker host over ssh',
    node({ name: 'arm', endpoint: 'ssh://runner@10.0.0.2' }),
    false,
    ['buildx', 'create', '--name', 'b', '--node', 'arm', '--platform', 'linux/arm64', '--driver', 'docker-container', 'ssh://runner@10.0.0.2']
  ],
  [
    'append: remote driver at a BuildKit address',
    node({ name: 'arm', driver: 'remote', endpoint: 'tcp://127.0.0.1:1234' }),
    true,
    ['buildx', 'create', '--append', '--name', 'b', '--node', 'arm', '--platform', 'linux/arm64', '--driver', 'remote', 'tcp://127.0.0.1:1234']
  ],
  [
    'append: remote driver over ssh, several platforms',
    node({ name: 'pi', driver: 'remote', endpoint: 'ssh://pi@127.0.0.1:2222', platforms: ['linux/arm/v7', 'linux/arm/v6'] }),
    true,
    ['buildx', 'create', '--append', '--name', 'b', '--node', 'pi', '--platform', 'linux/arm/v7,linux/arm/v6', '--driver', 'remote', 'ssh://pi@127.0.0.1:2222']
  ],
  [
    'create: kubernetes, one node per arch, namespace/replicas/nodeselector, no endpoint',
    node({ name: 'arm64', driver: 'kubernetes', driverOpts: ['namespace=buildkit', 'replicas=2', 'nodeselector=kubernetes.io/arch=arm64'] }),
    false,
    [
      'buildx', 'create', '--name', 'b', '--node', 'arm64', '--platform', 'linux/arm64', '--driver', 'kubernetes',
      '--driver-opt', 'namespace=buildkit', '--driver-opt', 'replicas=2', '--driver-opt', 'nodeselector=kubernetes.io/arch=arm64'
    ]
  ],
  [
    'append: kubernetes with two selectors kept as one CSV-quoted option',
    node({ name: 'amd64', driver: 'kubernetes', platforms: ['linux/amd64'], driverOpts: ['"nodeselector=kubernetes.io/arch=amd64,kubernetes.io/os=linux"'] }),
    true,
    ['buildx', 'create', '--append', '--name', 'b', '--node', 'amd64', '--platform', 'linux/amd64', '--driver', 'kubernetes', '--driver-opt', '"nodeselector=kubernetes.io/arch=amd64,kubernetes.io/os=linux"']
  ],
  [
    'create: docker-container on this engine (no endpoint)',
    node({ name: 'local', platforms: ['linux/amd64'] }),
    false,
    ['buildx', 'create', '--name', 'b', '--node', 'local', '--platform', 'linux/amd64', '--driver', 'docker-container']
  ]
])('%s', (_name, spec, append, expected) => {
  expect(buildNodeCreateArgs('b', spec, append)).toEqual(expected);
});

test('rm argv', () => {
  expect(buildBuilderRemoveArgs('multiarch-1-abc')).toEqual(['buildx', 'rm', 'multiarch-1-abc']);
});

test.each<[string, NodeSpec[], string[], string[]]>([
  ['arm64 node covers arm64 only', [node({ name: 'a' })], ['linux/amd64', 'linux/arm64'], ['linux/amd64']],
  ['an arm/v7 node runs arm/v6', [node({ name: 'a', platforms: ['linux/arm/v7'] })], ['linux/arm/v6', 'linux/arm/v7'], []],
  ['an arm/v6 node does not run arm/v7', [node({ name: 'a', platforms: ['linux/arm/v6'] })], ['linux/arm/v7'], ['linux/arm/v7']],
  ['amd64 does not cover 386', [node({ name: 'a', platforms: ['linux/amd64'] })], ['linux/386'], ['linux/386']]
])('uncoveredPlatforms: %s', (_name, nodes, platforms, expected) => {
  expect(uncoveredPlatforms(nodes, platforms)).toEqual(expected);
});

describe('planNodesBuilder', () => {
  const sshArm = node({ name: 'arm', endpoint: 'ssh://runner@10.0.0.2' });

  test('docker-container: a local node first takes the uncovered platforms, host platform first', () => {
    const layout = planNodesBuilder('multiarch-7', [sshArm], ['linux/riscv64', 'linux/amd64', 'linux/arm64'], ['linux/amd64']);
    expect(layout.local).toEqual({ name: 'multiarch-7-local', platforms: ['linux/amd64', 'linux/riscv64'], driver: 'docker-container', driverOpts: [] });
    expect(layout.commands).toEqual([
      ['buildx', 'create', '--name', 'multiarch-7', '--node', 'multiarch-7-local', '--platform', 'linux/amd64,linux/riscv64', '--driver', 'docker-container'],
      ['buildx', 'create', '--append', '--name', 'multiarch-7', '--node', 'arm', '--platform', 'linux/arm64', '--driver', 'docker-container', 'ssh://runner@10.0.0.2']
    ]);
  });

  test('docker-container: no local node when the nodes cover every platform', () => {
    const amd = node({ name: 'amd', endpoint: 'ssh://runner@10.0.0.3', platforms: ['linux/amd64'] });
    const layout = planNodesBuilder('m', [amd, sshArm], ['linux/amd64', 'linux/arm64']);
    expect(layout.local).toBeUndefined();
    expect(layout.commands.map((c) => c.slice(0, 3))).toEqual([
      ['buildx', 'create', '--name'],
      ['buildx', 'create', '--append']
    ]);
  });

  test('docker-container: a node without an endpoint already is this engine (buildx refuses a duplicate endpoint)', () => {
    const here = node({ name: 'here', platforms: ['linux/amd64'] });
    expect(needsLocalNode([here, sshArm], ['linux/amd64', 'linux/arm64', 'linux/s390x'])).toBe(false);
    expect(planNodesBuilder('m', [here, sshArm], ['linux/s390x']).commands).toHaveLength(2);
  });

  test.each(['remote', 'kubernetes'])('%s: no local node can join; the first node creates the builder', (driver) => {
    const nodes = [node({ name: 'arm', driver, ...(driver === 'remote' ? { endpoint: 'tcp://127.0.0.1:1234' } : {}) })];
    const layout = planNodesBuilder('m', nodes, ['linux/amd64', 'linux/arm64'], ['linux/amd64']);
    expect(layout.local).toBeUndefined();
    expect(layout.commands).toEqual([buildNodeCreateArgs('m', nodes[0]!, false)]);
  });

  test('no nodes is a programming error', () => {
    expect(() => planNodesBuilder('m', [], ['linux/amd64'])).toThrow(/no nodes/);
  });
});

describe('resolvePlanNodes', () => {
  test('docker-container: nodes for their platforms, the host for the rest', () => {
    expect(resolvePlanNodes([node({ name: 'arm', endpoint: 'ssh://h' })], ['linux/amd64'])).toEqual({ nodes: [{ name: 'arm', platforms: ['linux/arm64'] }], nativePlatforms: ['linux/amd64'] });
  });
  test('remote: the first node is where uncovered platforms go', () => {
    const nodes = [node({ name: 'arm', driver: 'remote', endpoint: 'tcp://127.0.0.1:1234' })];
    expect(resolvePlanNodes(nodes, ['linux/amd64']).nativePlatforms).toEqual(['linux/arm64']);
  });
  test('no nodes: the host', () => {
    expect(resolvePlanNodes([], ['linux/amd64'])).toEqual({ nodes: [], nativePlatforms: ['linux/amd64'] });
  });
});

test.each<[string, NodeSpec[], string[], RegExp | undefined]>([
  ['docker-container never warns: the local node takes the rest', [node({ name: 'a', endpoint: 'ssh://h' })], ['linux/amd64', 'linux/arm64'], undefined],
  ['remote covering everything is quiet', [node({ name: 'a', driver: 'remote', endpoint: 'tcp://127.0.0.1:1' })], ['linux/arm64'], undefined],
  ['remote with an uncovered platform names it and the fallback node', [node({ name: 'a', driver: 'remote', endpoint: 'tcp://127.0.0.1:1' })], ['linux/amd64', 'linux/arm64'], /^linux\/amd64 is on no node: a remote builder has no node on this machine.*else on node "a"/],
  ['kubernetes, two uncovered', [node({ name: 'a', driver: 'kubernetes' })], ['linux/amd64', 'linux/s390x', 'linux/arm64'], /^linux\/amd64, linux\/s390x are on no node: a kubernetes builder/]
])('resolveNodeWarnings: %s', (_name, nodes, platforms, expected) => {
  const w = resolveNodeWarnings(nodes, platforms);
  if (!expected) expect(w).toEqual([]);
  else expect(w).toEqual([expect.stringMatching(expected)]);
});
