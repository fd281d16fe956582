/**
 * BuildKit's build history, through buildx: which build each leg was, and the export of those
 * builds as a `.dockerbuild` bundle (the file Docker Desktop's Builds view imports).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execOk } from '../exec.js';
import { isVersionAtLeast } from '../setup/buildx.js';

/** `docker buildx history export` arrived in buildx 0.23. */
export const HISTORY_EXPORT_MIN_BUILDX = '0.23.0';
/** `--finalize` arrived in 0.24 (docker/buildx#3152); before it, a record needs a moment to be complete. */
const FINALIZE_MIN_BUILDX = '0.24.0';
/** How long to wait without `--finalize` (moby/buildkit#5109), as build-push-action waits. */
const UNFINALIZED_WAIT_MS = 3000;

/** A build as buildx names it: `builder/node/id`. */
export interface BuildRef {
  builder: string;
  node: string;
  id: string;
}

/** `builder/node/id` → its parts; undefined for anything else. */
export function parseBuildRef(ref: string): BuildRef | undefined {
  const parts = ref.split('/');
  if (parts.length !== 3 || parts.some((p) => !p)) return undefined;
  return { builder: parts[0]!, node: parts[1]!, id: parts[2]! };
}

/**
 * The build reference buildx wrote to a leg's --metadata-file (`buildx.build.ref`, buildx 0.13+).
 * A failed build writes no metadata file: undefined then, and listLocalRefs finds it.
 */
export function readBuildRef(metadataFile: string): string | undefined {
  try {
    const ref = (JSON.parse(fs.readFileSync(metadataFile, 'utf8')) as Record<string, unknown>)['buildx.build.ref'];
    return typeof ref === 'string' && parseBuildRef(ref) ? ref : undefined;
  } catch {
    return undefined;
  }
}

/** Where buildx keeps its state: BUILDX_CONFIG, else `buildx` under DOCKER_CONFIG or ~/.docker. */
export function resolveBuildxConfigDir(env: Record<string, string | undefined>): string {
  if (env.BUILDX_CONFIG) return env.BUILDX_CONFIG;
  return path.join(env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'), 'buildx');
}

/**
 * The builds `builder` started between `since` and `until` (ms), as `builder/node/id`, oldest
 * first. buildx writes one small local-state file per build under `refs/<builder>/<node>/` as
 * the build starts, failed or not; this is how a failed leg, which leaves no metadata file, is
 * found again (actions-toolkit finds BPA's failed builds the same way).
 */
export function listLocalRefs(configDir: string, builder: string, since: number, until: number): string[] {
  const root = path.join(configDir, 'refs', builder);
  const found: Array<{ ref: string; at: number }> = [];
  for (const node of readDirSafe(root)) {
    for (const id of readDirSafe(path.join(root, node))) {
      const stat = fs.statSync(path.join(root, node, id), { throwIfNoEntry: false });
      if (stat?.isFile() && stat.mtimeMs >= since && stat.mtimeMs <= until) found.push({ ref: `${builder}/${node}/${id}`, at: stat.mtimeMs });
    }
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.ref);
}

function readDirSafe(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** Pure: the argv that exports `refs` (all of one builder) into one bundle at `file`. */
export function historyExportArgs(refs: BuildRef[], file: string, buildxVersion: string): string[] {
  const builder = refs[0]!.builder;
  const args = ['buildx', 'history', 'export', '--builder', builder, '--output', file];
  if (isVersionAtLeast(buildxVersion, FINALIZE_MIN_BUILDX)) args.push('--finalize');
  return [...args, ...refs.map((r) => r.id)];
}

/** Exports the records of `refs` into `file`; throws with buildx's message when it cannot. */
export async function exportBuildRecords(refs: BuildRef[], file: string, buildxVersion: string): Promise<void> {
  const others = refs.filter((r) => r.builder !== refs[0]!.builder);
  if (others.length) throw new Error(`builds of several builders cannot share one bundle: ${[...new Set(refs.map((r) => r.builder))].join(', ')}`);
  if (!isVersionAtLeast(buildxVersion, FINALIZE_MIN_BUILDX)) await new Promise((r) => setTimeout(r, UNFINALIZED_WAIT_MS));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await execOk('docker', historyExportArgs(refs, file, buildxVersion));
}
