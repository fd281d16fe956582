/**
 * Pick the buildx builder: reuse the current one when it can build every platform, else create
 * one. What this run creates is recorded so post removes exactly that and nothing else.
 */
import { parseBuildkitVersions, parseContainerdStore, parseEngineVersion, type CacheFacts } from '../cache/warnings.js';
import { exec, execOk } from '../exec.js';
import { normalizePlatform } from '../platform.js';
import type { DriverMode, NodeSpec } from '../types/config.js';
import { inspectBuilder, type BuilderInfo } from './buildx.js';
import { createNodesBuilder } from './nodes.js';

export interface ResolvedBuilder {
  name: string;
  driver: string;
  /** Set when this run created the builder; post removes it. */
  created: boolean;
  platforms: string[];
  /** Platforms some node runs natively (the first platform each node lists). */
  nativePlatforms: string[];
}

export function builderPlatforms(info: BuilderInfo): string[] {
  const out = new Set<string>();
  for (const node of info.nodes) for (const p of node.platforms) out.add(safeNormalize(p));
  return [...out];
}

/** BuildKit lists a node's own platform first; the rest come from emulators or compatibility. */
export function nativePlatformsOf(info: BuilderInfo): string[] {
  return [...new Set(info.nodes.map((n) => n.platforms[0]).filter((p): p is string => !!p).map(safeNormalize))];
}

function safeNormalize(p: string): string {
  try {
    return normalizePlatform(p);
  } catch {
    return p;
  }
}

export function canBuildAll(info: BuilderInfo, platforms: string[]): boolean {
  const have = new Set(builderPlatforms(info));
  return platforms.every((p) => have.has(p));
}

export function buildCreateArgs(name: string, driver: string, driverOpts: string[] = []): string[] {
  const args = ['buildx', 'create', '--name', name, '--driver', driver];
  for (const o of driverOpts) args.push('--driver-opt', o);
  return args;
}

export interface BuilderRequest {
  driver: DriverMode;
  builder?: string;
  platforms: string[];
  /** Unique per run, so parallel jobs never share or remove each other's builder. */
  runId: string;
  /** Called as soon as a builder exists, before anything else can fail, so post can remove it. */
  onCreated: (name: string) => void;
  /** Native nodes (the `nodes` input): a builder is created for the run and they are appended to it. */
  nodes?: NodeSpec[];
  /** Every requested platform; with nodes, those no node runs go to a local node (see nodes.ts). */
  targetPlatforms?: string[];
  /** Platforms this engine runs natively. */
  hostPlatforms?: string[];
}

export async function resolveBuilder(req: BuilderRequest): Promise<ResolvedBuilder> {
  const describe = (info: BuilderInfo, created: boolean): ResolvedBuilder => ({
    name: info.name,
    driver: info.driver,
    created,
    platforms: builderPlatforms(info),
    nativePlatforms: nativePlatformsOf(info)
  });
  if (req.nodes?.length) {
    // config.ts rejects `builder` and `driver: docker` beside nodes, so this never touches a builder the user owns.
    const info = await createNodesBuilder({
      name: `multiarch-${req.runId}`,
      nodes: req.nodes,
      platforms: req.targetPlatforms ?? req.platforms,
      hostPlatforms: req.hostPlatforms ?? [],
      onCreated: req.onCreated
    });
    return describe(info, true);
  }
  if (req.builder) {
    const info = await inspectBuilder(req.builder);
    if (!info) throw new Error(`Input "builder": no buildx builder named "${req.builder}" (expected the name of an existing builder, see docker buildx ls)`);
    return describe(info, false);
  }
  if (req.driver !== 'docker-container') {
    const current = await inspectBuilder(req.driver === 'docker' ? 'default' : undefined);
    if (current && (req.driver === 'docker' || canBuildAll(current, req.platforms))) return describe(current, false);
    if (req.driver === 'docker') throw new Error('Input "driver": the docker driver builder "default" is not available (expected a running Docker engine)');
  }
  const name = `multiarch-${req.runId}`;
  await execOk('docker', buildCreateArgs(name, 'docker-container'));
  req.onCreated(name);
  const info = await inspectBuilder(name);
  if (!info) throw new Error(`created builder ${name} but cannot inspect it`);
  return describe(info, true);
}


/**
 * What the cache warnings need to know about a builder: its nodes' BuildKit versions and, for the
 * docker driver, the engine's version and whether the containerd image store is on. Never throws:
 * a fact that cannot be read is left out, and the warnings stay quiet about it.
 */
export async function probeCacheFacts(builder: string, driver: string): Promise<Pick<CacheFacts, 'buildkitVersions' | 'dockerVersion' | 'containerdStore'>> {
  const inspect = await exec('docker', ['buildx', 'inspect', builder]);
  const buildkitVersions = inspect.code === 0 ? parseBuildkitVersions(inspect.stdout) : [];
  if (driver !== 'docker') return { buildkitVersions };
  const version = await exec('docker', ['version', '--format', '{{.Server.Version}}']);
  const info = await exec('docker', ['info', '--format', '{{json .DriverStatus}}']);
  const dockerVersion = version.code === 0 ? parseEngineVersion(version.stdout) : undefined;
  const containerdStore = info.code === 0 ? parseContainerdStore(info.stdout) : undefined;
  return { buildkitVersions, ...(dockerVersion ? { dockerVersion } : {}), ...(containerdStore !== undefined ? { containerdStore } : {}) };
}
