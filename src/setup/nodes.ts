/**
 * Native BuildKit nodes (the `nodes` input). They are appended to a builder this run creates,
 * never to the user's: the `docker` driver's builder cannot take nodes at all ("default is a
 * reserved name"), and a builder the user owns must not change under them. buildx gives a
 * builder one driver for every node ("existing instance … has mismatched driver"), so:
 *
 * - `docker-container` nodes: a local node on this engine comes first and takes the requested
 *   platforms no node runs (the host's own and the emulated ones), then the nodes are appended.
 * - `remote` and `kubernetes` nodes: no local node can join; the first node creates the builder
 *   and a platform on no node goes where buildx sends it (a node whose BuildKit lists it, else
 *   the first node), which the plan mirrors and a warning names.
 *
 * buildx sends `--platform P` to the node configured with P (an exact match, found without
 * booting other nodes), and keeps a platform on one node only, so a leg per platform runs on
 * exactly one machine.
 */
import { execOk } from '../exec.js';
import { isNativeOn, type BuilderNode } from '../plan/native.js';
import type { NodeSpec } from '../types/config.js';
import { parseInspect, type BuilderInfo } from './buildx.js';

/** `docker buildx create [--append] --name B --node N --platform P,… --driver D [--driver-opt O]… [endpoint]`. */
export function buildNodeCreateArgs(builder: string, node: NodeSpec, append: boolean): string[] {
  const args = ['buildx', 'create'];
  if (append) args.push('--append');
  args.push('--name', builder, '--node', node.name);
  if (node.platforms.length) args.push('--platform', node.platforms.join(','));
  args.push('--driver', node.driver);
  for (const o of node.driverOpts) args.push('--driver-opt', o);
  if (node.endpoint) args.push(node.endpoint);
  return args;
}

/** `docker buildx rm B`: removes every node's daemon (containers, kubernetes deployments) and the config. */
export function buildBuilderRemoveArgs(builder: string): string[] {
  return ['buildx', 'rm', builder];
}

/** Requested platforms that no node runs natively. */
export function uncoveredPlatforms(nodes: readonly NodeSpec[], platforms: readonly string[]): string[] {
  return platforms.filter((p) => !nodes.some((n) => isNativeOn(n.platforms, p)));
}

/** True when the builder gets a node on this engine for the platforms no node runs. */
export function needsLocalNode(nodes: readonly NodeSpec[], platforms: readonly string[]): boolean {
  // A docker-container node without an endpoint already is this engine (and buildx refuses a
  // second node on the same endpoint: "invalid duplicate endpoint").
  return nodes[0]?.driver === 'docker-container' && uncoveredPlatforms(nodes, platforms).length > 0 && nodes.every((n) => n.endpoint);
}

export interface NodesBuilderLayout {
  name: string;
  /** `docker buildx create` argv, in order; the first creates the builder, the rest append. */
  commands: string[][];
  /** The local node, when there is one. */
  local?: NodeSpec;
}

/**
 * Pure: the create/append sequence for a builder named `name`. `hostPlatforms` are the platforms
 * this engine runs natively; they go first on the local node, so its first platform is its own.
 */
export function planNodesBuilder(name: string, nodes: readonly NodeSpec[], platforms: readonly string[], hostPlatforms: readonly string[] = []): NodesBuilderLayout {
  if (nodes.length === 0) throw new Error('planNodesBuilder: no nodes');
  const all: NodeSpec[] = [];
  let local: NodeSpec | undefined;
  if (needsLocalNode(nodes, platforms)) {
    const rest = uncoveredPlatforms(nodes, platforms);
    const own = rest.filter((p) => isNativeOn(hostPlatforms, p));
    local = { name: `${name}-local`, platforms: [...own, ...rest.filter((p) => !own.includes(p))], driver: 'docker-container', driverOpts: [] };
    all.push(local);
  }
  all.push(...nodes);
  return { name, commands: all.map((n, i) => buildNodeCreateArgs(name, n, i > 0)), ...(local ? { local } : {}) };
}

/** The planner's view: which node builds which platform natively, and where the rest build. */
export function resolvePlanNodes(nodes: readonly NodeSpec[], hostPlatforms: readonly string[]): { nodes: BuilderNode[]; nativePlatforms: string[] } {
  const planNodes = nodes.map((n) => ({ name: n.name, platforms: [...n.platforms] }));
  // remote and kubernetes builders have no node on this engine: a platform on no node falls to
  // the first node (buildx's fallback), so that machine's platform is $BUILDPLATFORM there.
  const hostless = nodes.length > 0 && nodes[0]!.driver !== 'docker-container';
  return { nodes: planNodes, nativePlatforms: hostless ? [...nodes[0]!.platforms] : [...hostPlatforms] };
}

/** Pure: what a user should know about where platforms on no node will build. */
export function resolveNodeWarnings(nodes: readonly NodeSpec[], platforms: readonly string[]): string[] {
  if (nodes.length === 0) return [];
  const rest = uncoveredPlatforms(nodes, platforms);
  if (rest.length === 0 || nodes[0]!.driver === 'docker-container') return [];
  return [
    `${rest.join(', ')} ${rest.length === 1 ? 'is' : 'are'} on no node: a ${nodes[0]!.driver} builder has no node on this machine, so buildx builds ` +
      `${rest.length === 1 ? 'it' : 'them'} on a node whose BuildKit lists the platform (under that machine's emulation), else on node "${nodes[0]!.name}". ` +
      'Add a node for each platform to build every leg natively.'
  ];
}

export interface NodesBuilderRequest {
  /** Builder name, unique per run (`multiarch-<runId>`). */
  name: string;
  nodes: NodeSpec[];
  /** Every requested platform. */
  platforms: string[];
  /** Platforms this engine runs natively (for the local node's order). */
  hostPlatforms: string[];
  /** Called as soon as the builder exists, before an append can fail, so post removes it. */
  onCreated: (name: string) => void;
  /** Boot every node now, so an unreachable node fails here with its own message (default true). */
  bootstrap?: boolean;
  /** Environment for buildx (KUBECONFIG for kubernetes nodes); this process's when absent. */
  env?: Record<string, string>;
}

/** Create the builder and append the nodes; returns what buildx then reports about it. */
export async function createNodesBuilder(req: NodesBuilderRequest): Promise<BuilderInfo> {
  const layout = planNodesBuilder(req.name, req.nodes, req.platforms, req.hostPlatforms);
  for (const [i, args] of layout.commands.entries()) {
    await execOk('docker', args, req.env ? { env: req.env } : {});
    if (i === 0) req.onCreated(req.name);
  }
  // Not inspectBuilder(): that maps a failed bootstrap to "no such builder", losing the reason.
  const res = await execOk('docker', ['buildx', 'inspect', ...(req.bootstrap === false ? [] : ['--bootstrap']), req.name], req.env ? { env: req.env } : {});
  return parseInspect(res.stdout);
}
