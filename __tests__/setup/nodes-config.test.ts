/** The `nodes` input → NodeSpec[]: accepted forms, and every rejection names the input and the expected form. */
import { InputError, resolveConfig } from '../../src/config.js';
import type { NodeSpec } from '../../src/types/config.js';

function nodesOf(yaml: string, extra: Record<string, string> = {}): { nodes: NodeSpec[]; warnings: string[] } {
  const inputs: Record<string, string> = { context: 'examples/go-cross', platforms: 'linux/amd64,linux/arm64', nodes: yaml, ...extra };
  const warnings: string[] = [];
  const config = resolveConfig((n) => inputs[n] ?? '', { workspace: process.cwd(), tempDir: '/tmp', onSecret: () => undefined, onWarning: (m) => warnings.push(m) });
  return { nodes: config.nodes, warnings };
}

test.each<[string, string, NodeSpec[]]>([
  ['empty is no nodes', '', []],
  ['a YAML comment only is no nodes', '# none\n', []],
  [
    'flow mappings, a platform string, default driver docker-container',
    '- {name: arm, endpoint: "ssh://runner@arm-host", platforms: linux/arm64}',
    [{ name: 'arm', endpoint: 'ssh://runner@arm-host', platforms: ['linux/arm64'], driver: 'docker-container', driverOpts: [] }]
  ],
  [
    'remote nodes; platforms as a comma list or a YAML list, normalised and deduplicated',
    '- name: Arm64\n  driver: remote\n  endpoint: tcp://127.0.0.1:1234\n  platforms: aarch64, linux/arm64/v8\n- name: armv7\n  driver: remote\n  endpoint: unix:///run/buildkit/buildkitd.sock\n  platforms: [linux/arm/v7, linux/arm/v6]\n',
    [
      { name: 'arm64', endpoint: 'tcp://127.0.0.1:1234', platforms: ['linux/arm64'], driver: 'remote', driverOpts: [] },
      { name: 'armv7', endpoint: 'unix:///run/buildkit/buildkitd.sock', platforms: ['linux/arm/v7', 'linux/arm/v6'], driver: 'remote', driverOpts: [] }
    ]
  ],
  [
    'kubernetes, one node per arch: driver-opts as a list (verbatim) or a mapping (quoted when it holds a comma)',
    [
      '- name: arm64',
      '  driver: kubernetes',
      '  platforms: linux/arm64',
      '  driver-opts: [namespace=buildkit, replicas=2, nodeselector=kubernetes.io/arch=arm64]',
      '- name: amd64',
      '  driver: kubernetes',
      '  platforms: linux/amd64',
      '  driver-opts: {namespace: buildkit, replicas: 1, nodeselector: "kubernetes.io/arch=amd64,kubernetes.io/os=linux"}'
    ].join('\n'),
    [
      { name: 'arm64', platforms: ['linux/arm64'], driver: 'kubernetes', driverOpts: ['namespace=buildkit', 'replicas=2', 'nodeselector=kubernetes.io/arch=arm64'] },
      { name: 'amd64', platforms: ['linux/amd64'], driver: 'kubernetes', driverOpts: ['namespace=buildkit', 'replicas=1', '"nodeselector=kubernetes.io/arch=amd64,kubernetes.io/os=linux"'] }
    ]
  ]
])('%s', (_name, yaml, expected) => {
  expect(nodesOf(yaml).nodes).toEqual(expected);
});

test('an unknown key warns and is ignored', () => {
  const { nodes, warnings } = nodesOf('- {name: a, endpoint: "ssh://h", platforms: linux/arm64, buildkitd-flags: --debug}');
  expect(nodes).toHaveLength(1);
  expect(warnings).toEqual(['Input "nodes": entry 1 has an unknown key "buildkitd-flags" (valid keys: name, endpoint, platforms, driver, driver-opts); it is ignored.']);
});

test.each<[string, string, Record<string, string>, string]>([
  ['not YAML', '- {name: a', {}, 'Input "nodes": is not valid YAML: '],
  ['not a list', 'name: a', {}, 'Input "nodes": is not a list (expected a YAML list of {name, endpoint, platforms, driver, driver-opts}'],
  ['an entry that is not a mapping', '- arm64', {}, 'Input "nodes": entry 1 is not a mapping (expected a YAML list'],
  ['no name', '- {platforms: linux/arm64}', {}, 'Input "nodes": entry 1 has no "name" (expected a YAML list'],
  ['a name buildx refuses', '- {name: 1arm, platforms: linux/arm64}', {}, 'Input "nodes": entry 1: name "1arm" is not valid (expected a letter, then letters, digits, ".", "_" or "-")'],
  ['a kubernetes name that is no Deployment name', '- {name: arm_64, driver: kubernetes, platforms: linux/arm64}', {}, 'Input "nodes": entry 1 ("arm_64"): a kubernetes node\'s name becomes a Deployment name'],
  ['no platforms', '- {name: a, endpoint: "ssh://h"}', {}, 'Input "nodes": entry 1 ("a") has no "platforms" (expected the platforms the node runs natively, e.g. linux/arm64)'],
  ['a bad platform', '- {name: a, endpoint: "ssh://h", platforms: linux/arm/v9}', {}, 'Input "nodes": entry 1 ("a"): "linux/arm/v9" is not a valid platform'],
  ['the docker driver', '- {name: a, driver: docker, platforms: linux/arm64}', {}, 'Input "nodes": entry 1 ("a"): driver "docker" is not allowed (expected one of: docker-container, kubernetes, remote)'],
  ['remote without an endpoint', '- {name: a, driver: remote, platforms: linux/arm64}', {}, 'Input "nodes": entry 1 ("a"): the remote driver needs an endpoint (expected a BuildKit address, e.g. tcp://buildkit-arm64:1234)'],
  ['remote with an http endpoint', '- {name: a, driver: remote, endpoint: "http://127.0.0.1:1234", platforms: linux/arm64}', {}, 'Input "nodes": entry 1 ("a"): endpoint "http://127.0.0.1:1234" is not a BuildKit address (expected tcp://, unix://, ssh://'],
  ['kubernetes with an endpoint', '- {name: a, driver: kubernetes, endpoint: "tcp://127.0.0.1:1", platforms: linux/arm64}', {}, 'Input "nodes": entry 1 ("a"): the kubernetes driver takes no endpoint (it reads KUBECONFIG'],
  ['a malformed driver-opt', '- {name: a, driver: kubernetes, platforms: linux/arm64, driver-opts: [namespace]}', {}, 'Input "nodes": entry 1 ("a"): driver-opts item "namespace" is malformed (expected key=value, e.g. namespace=buildkit)'],
  [
    'mixed drivers',
    '- {name: a, driver: remote, endpoint: "tcp://127.0.0.1:1", platforms: linux/arm64}\n- {name: b, driver: kubernetes, platforms: linux/amd64}',
    {},
    'Input "nodes": entry 2 ("b") uses driver kubernetes but entry 1 uses remote (expected one driver for every node: buildx gives a builder one driver)'
  ],
  ['a name twice', '- {name: a, endpoint: "ssh://h1", platforms: linux/arm64}\n- {name: A, endpoint: "ssh://h2", platforms: linux/amd64}', {}, 'Input "nodes": entry 2 ("a"): the name is used twice (expected a unique name per node)'],
  ['an endpoint twice', '- {name: a, platforms: linux/arm64}\n- {name: b, platforms: linux/amd64}', {}, 'Input "nodes": entry 2 ("b"): endpoint (this Docker engine) is used twice (expected one node per endpoint)'],
  ['a platform on two nodes', '- {name: a, endpoint: "ssh://h1", platforms: linux/arm64}\n- {name: b, endpoint: "ssh://h2", platforms: "linux/amd64,linux/arm64"}', {}, 'Input "nodes": entry 2 ("b"): linux/arm64 is also on node "a" (expected each platform on one node)'],
  ['with input builder', '- {name: a, endpoint: "ssh://h", platforms: linux/arm64}', { builder: 'mine' }, 'Input "nodes": cannot be used with input "builder" ("mine"): nodes are appended to a builder multiarch creates for the run'],
  ['with driver docker', '- {name: a, endpoint: "ssh://h", platforms: linux/arm64}', { driver: 'docker' }, 'Input "nodes": cannot be used with driver "docker": a docker-driver builder takes no nodes (expected driver auto or docker-container)']
])('rejects %s', (_name, yaml, extra, message) => {
  let err: unknown;
  try {
    nodesOf(yaml, extra);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).input).toBe('nodes');
  expect((err as Error).message.startsWith(message)).toBe(true);
});
