/**
 * Get the builder chosen by driver-choice.ts: reuse it, or create a docker-container builder and
 * fall back to the engine's docker driver when that cannot start. What this run creates is
 * recorded before anything else can fail, so post removes exactly that and nothing else.
 */
import type { CacheFacts } from '../cache/warnings.js';
import { exec, execOk } from '../exec.js';
import type { DriverMode, NodeSpec } from '../types/config.js';
import type { BuilderFacts, ImageStore, LegExport } from '../types/engine.js';
import { inspectBuilder, parseBuildkitVersions, type BuilderInfo } from './buildx.js';
import { chooseBuilder } from './driver-choice.js';
import { probeEngine } from './engine.js';
import { createNodesBuilder } from './nodes.js';
import { builderPlatforms, nativePlatformsOf } from './platforms.js';

export interface ResolvedBuilder extends BuilderFacts {
  platforms: string[];
  /** Platforms some node runs natively (the first platform each node lists). */
  nativePlatforms: string[];
}

/** What a leg loses on the docker driver without the containerd store, in the user's terms. */
export const DOCKER_LOAD_LOSSES = ['attestations (provenance, SBOM)', 'cache export (cache-to other than type=inline)'];

export interface CreateOptions {
  /** Pinned BuildKit image (the `buildkit-image` input). */
  image: string;
  /** The `network` input: `host` needs the builder's host network and the network.host entitlement. */
  network?: string;
}

/** `docker buildx create` for a docker-container builder, pinned to a BuildKit image. */
export function buildCreateArgs(name: string, driver: string, driverOpts: string[] = [], create?: CreateOptions): string[] {
  const args = ['buildx', 'create', '--name', name, '--driver', driver];
  const opts = [...driverOpts];
  if (create) {
    opts.unshift(`image=${create.image}`);
    // A builder container on the bridge network cannot see the runner's localhost (a registry
    // service, say); and `--network host` builds need the entitlement granted at start.
    if (create.network === 'host') opts.push('network=host');
  }
  for (const o of opts) args.push('--driver-opt', o);
  if (create?.network === 'host') args.push('--buildkitd-flags', '--allow-insecure-entitlement=network.host');
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
  /** The engine's image store (from `docker info`). */
  store?: ImageStore;
  create: CreateOptions;
  /** Said once when the run falls back to the docker driver. */
  onWarning?: (message: string) => void;
}

function describe(info: BuilderInfo, facts: Omit<BuilderFacts, 'name' | 'driver'>): ResolvedBuilder {
  return { name: info.name, driver: info.driver, ...facts, platforms: builderPlatforms(info), nativePlatforms: nativePlatformsOf(info) };
}

function lossesOf(legExport: LegExport): string[] {
  return legExport === 'docker-load' ? [...DOCKER_LOAD_LOSSES] : [];
}

export async function resolveBuilder(req: BuilderRequest): Promise<ResolvedBuilder> {
  if (req.nodes?.length) {
    // config.ts rejects `builder` and `driver: docker` beside nodes, so this never touches a builder the user owns.
    const info = await createNodesBuilder({
      name: `multiarch-${req.runId}`,
      nodes: req.nodes,
      platforms: req.targetPlatforms ?? req.platforms,
      hostPlatforms: req.hostPlatforms ?? [],
      onCreated: req.onCreated
    });
    return describe(info, { created: true, legExport: 'oci', lost: [] });
  }
  const current = req.driver === 'docker-container' ? undefined : await inspectBuilder(req.builder ?? (req.driver === 'docker' ? 'default' : undefined));
  if (req.builder && !current) throw new Error(`Input "builder": no buildx builder named "${req.builder}" (expected the name of an existing builder, see docker buildx ls)`);
  const choice = chooseBuilder({ driver: req.driver, builder: req.builder, current, store: req.store, platforms: req.platforms });
  if (choice.kind === 'use') {
    if (!current) throw new Error('Input "driver": the docker driver builder "default" is not available (expected a running Docker engine)');
    return describe(current, { created: false, legExport: choice.legExport, lost: lossesOf(choice.legExport), ...buildkitOf(current) });
  }
  const name = `multiarch-${req.runId}`;
  try {
    const info = await createContainerBuilder(name, req);
    return describe(info, { created: true, legExport: 'oci', image: req.create.image, lost: [], ...buildkitOf(info) });
  } catch (err) {
    const reason = `the docker-container builder (${req.create.image}) could not start: ${firstLine((err as Error).message)}`;
    if (!choice.fallback) throw new Error(`${reason} (driver: docker-container does not fall back to the docker driver; driver auto does)`);
    await exec('docker', ['buildx', 'rm', name]);
    const fallback = await inspectBuilder('default');
    if (!fallback) throw new Error(`${reason}; and the docker driver builder "default" is not available`);
    const legExport = choice.fallback.legExport;
    const lost = lossesOf(legExport);
    req.onWarning?.(
      `${reason}. Building with the docker driver instead${legExport === 'docker-load' ? ' (classic image store: each leg is loaded into the engine and read back with docker image save)' : ''}` +
        (lost.length ? `, which loses: ${lost.join('; ')}. To keep them, allow the BuildKit image to be pulled (buildkit-image) or turn on the containerd image store.` : '.')
    );
    return describe(fallback, { created: false, legExport, lost, fallback: reason, ...buildkitOf(fallback) });
  }
}

/** Create and start a docker-container builder; recorded for post before it is started. */
async function createContainerBuilder(name: string, req: BuilderRequest): Promise<BuilderInfo> {
  await execOk('docker', buildCreateArgs(name, 'docker-container', [], req.create));
  req.onCreated(name);
  // --bootstrap pulls the BuildKit image and starts the container: where the image cannot be
  // pulled or privileged containers are refused, this is where it fails.
  const res = await exec('docker', ['buildx', 'inspect', '--bootstrap', name]);
  if (res.code !== 0) throw new Error((res.stderr.trim() || res.stdout.trim()).split('\n').slice(-5).join('\n') || `buildx inspect --bootstrap ${name} failed`);
  const info = await inspectBuilder(name);
  if (!info) throw new Error(`created builder ${name} but cannot inspect it`);
  return info;
}

function buildkitOf(info: BuilderInfo): { buildkitVersion?: string } {
  const v = info.nodes.find((n) => n.buildkitVersion)?.buildkitVersion;
  return v ? { buildkitVersion: v } : {};
}

function firstLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /^ERROR:|error/i.test(l)) ?? lines[lines.length - 1] ?? text;
}

/**
 * What the cache warnings need to know about a builder: its nodes' BuildKit versions and, for the
 * docker driver, the engine's version and whether the containerd image store is on. Never throws:
 * a fact that cannot be read is left out, and the warnings stay quiet about it.
 */
export async function probeCacheFacts(builder: string, driver: string, engine?: { dockerVersion?: string; store?: ImageStore }): Promise<Pick<CacheFacts, 'buildkitVersions' | 'dockerVersion' | 'containerdStore'>> {
  const inspect = await exec('docker', ['buildx', 'inspect', builder]);
  const buildkitVersions = inspect.code === 0 ? parseBuildkitVersions(inspect.stdout) : [];
  if (driver !== 'docker') return { buildkitVersions };
  const e = engine ?? (await probeEngine());
  return { buildkitVersions, ...(e.dockerVersion ? { dockerVersion: e.dockerVersion } : {}), ...(e.store ? { containerdStore: e.store === 'containerd' } : {}) };
}
