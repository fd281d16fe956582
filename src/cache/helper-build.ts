/**
 * The two tiny builds that move files in and out of BuildKit's cache mounts. Pure: Dockerfile
 * text and `buildx build` argv, tested by tables.
 *
 * A cache mount lives inside the builder and has no API, so the only way in or out is a RUN
 * that mounts it by the same id:
 *   seed:    RUN --mount=type=cache,id=ID,target=/cache --mount=type=bind,source=DIR,target=/seed cp -a /seed/. /cache/
 *   extract: RUN --mount=type=cache,id=ID,target=/cache cp -a /cache/. /out/  (exported with type=local)
 * Both need a shell and cp, so they run in a small helper image (busybox by default). Nothing is
 * pulled on a stack that maps that name with a named build context (`build-contexts`), which is
 * passed through. Both run on the build platform: a cache mount's id does not depend on the
 * platform, so no emulation is needed.
 */
import type { CacheMount } from './mounts.js';

/** Pinned, never `latest`; the examples and the test stack use the same one. */
export const DEFAULT_HELPER_IMAGE = 'busybox:1.35';

/** The build arg BuildKit prefixes every cache id with; the helper must see the same one. */
export const CACHE_NAMESPACE_ARG = 'BUILDKIT_CACHE_MOUNT_NS';

/**
 * A fresh value per helper build, read by its RUNs: BuildKit would otherwise answer a RUN it has
 * seen with the same inputs from its build cache without running it (a cached seed fills no
 * mount; a cached extraction misses what the legs just wrote). Not `--no-cache`: that also
 * empties every cache mount the build touches (moby/buildkit#1213).
 */
export const NONCE_ARG = 'MULTIARCH_CACHE_MOUNT_RUN';

export interface SeedSource {
  mount: CacheMount;
  /** Directory holding the restored files, relative to the seed build's context. */
  dir: string;
}

export interface ExtractTarget {
  mount: CacheMount;
  /** Directory (relative, no leading slash) the mount's files land in under the output. */
  dir: string;
}

/**
 * One RUN per mount. The restored files sit in a subdirectory of the context, never at its root,
 * so a `.dockerignore` that happens to be cached can't filter the context.
 */
export function seedDockerfile(sources: SeedSource[], image: string): string {
  const lines = [`FROM ${image}`, `ARG ${NONCE_ARG}`];
  for (const { mount, dir } of sources) {
    lines.push(`RUN --mount=type=cache,${mountOptions(mount)},target=/cache --mount=type=bind,source=${dockerfilePath(dir)},target=/seed : "$${NONCE_ARG}" && cp -a /seed/. /cache/`);
  }
  return lines.join('\n') + '\n';
}

/** One stage per mount copies it out; the last stage gathers them, one directory each. */
export function extractDockerfile(targets: ExtractTarget[], image: string): string {
  const lines: string[] = [];
  targets.forEach(({ mount }, i) => {
    lines.push(`FROM ${image} AS mount${i}`, `ARG ${NONCE_ARG}`, `RUN --mount=type=cache,${mountOptions(mount)},target=/cache : "$${NONCE_ARG}" && mkdir -p /out && cp -a /cache/. /out/`);
  });
  lines.push('FROM scratch');
  targets.forEach(({ dir }, i) => lines.push(`COPY --from=mount${i} /out/ /${dockerfilePath(dir)}/`));
  return lines.join('\n') + '\n';
}

export interface HelperBuildInput {
  builder: string;
  /** The user's named contexts: they may map the helper image to a local one. */
  buildContexts: string[];
  /** The user's build args; only BUILDKIT_CACHE_MOUNT_NS is passed on. */
  buildArgs: string[];
  network?: string;
  /** Unique per helper build (see NONCE_ARG). */
  nonce: string;
}

/** `buildx build` for the seed: Dockerfile on stdin (`--file -`), the restored files as context, nothing exported. */
export function buildSeedArgs(input: HelperBuildInput & { context: string }): string[] {
  return [...commonArgs(input), '--output', 'type=cacheonly', '--file', '-', input.context];
}

/** `buildx build` for the extraction: Dockerfile on stdin and no context (`-`), files to `dest`. */
export function buildExtractArgs(input: HelperBuildInput & { dest: string }): string[] {
  return [...commonArgs(input), '--output', `type=local,dest=${input.dest}`, '-'];
}

function commonArgs(input: HelperBuildInput): string[] {
  const args = ['buildx', 'build', '--builder', input.builder, '--progress', 'plain', '--build-arg', `${NONCE_ARG}=${input.nonce}`];
  for (const b of input.buildContexts) args.push('--build-context', b);
  for (const a of input.buildArgs) {
    if (a.startsWith(`${CACHE_NAMESPACE_ARG}=`)) args.push('--build-arg', a);
  }
  if (input.network) args.push('--network', input.network);
  return args;
}

function mountOptions(mount: CacheMount): string {
  // parseCacheMounts refuses ids that would need CSV quoting or variable expansion here.
  if (/[\s,"'$]/.test(mount.id)) throw new Error(`internal: cache id ${JSON.stringify(mount.id)} cannot go into a --mount flag`);
  return `id=${mount.id}`;
}

/** Subdirectory names are ours (slugs), but keep them safe for a Dockerfile line anyway. */
function dockerfilePath(dir: string): string {
  if (!/^[A-Za-z0-9._/-]+$/.test(dir) || dir.startsWith('/') || dir.split('/').includes('..')) {
    throw new Error(`internal: unsafe helper directory name ${JSON.stringify(dir)}`);
  }
  return dir;
}
