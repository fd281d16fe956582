/**
 * Inputs → Config. The only place that reads inputs: the action passes core.getInput, the CLI a
 * lookup over its flags, and both get the same validation and the same error messages.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { INPUTS, INPUT_NAMES, inputSpec } from './input-spec.js';
import { checkMode, resolveCall, resolveRunners } from './config/modes.js';
import { resolveNodes } from './config/nodes.js';
import { resolveSecrets } from './config/secrets.js';
import { resolveSmoke } from './config/smoke.js';
import { resolveAttest } from './config/attest.js';
import { resolveSign, resolveSignaturePolicy } from './config/sign.js';
import type { IdTokenRequest } from './types/sign.js';
import { resolveBinaries } from './config/binaries.js';
import { resolveProvenance, type RunFacts } from './provenance.js';
import { parseBool, parseList } from './inputs.js';
import { InvalidPlatformError, hostPlatform, normalizePlatform } from './platform.js';
import { parseReference } from './registry/reference.js';
import { parseRunner } from './modes/matrix.js';
import type { Config } from './types/config.js';
import { InputError } from './input-error.js';
import { parseCacheMounts } from './cache/mounts.js';
import { resolveOutputs } from './config/outputs.js';
import { resolveBuildEnvSwitches } from './bpa-env.js';
import { resolveContextSource, type RunCommit } from './context-input.js';

export { InputError };

/** Returns the raw text of an input, '' when unset (as core.getInput does). */
export type InputLookup = (name: string) => string;

export interface ConfigEnv {
  workspace: string;
  tempDir: string;
  /** Called with every secret value before anything could log it. */
  onSecret: (value: string) => void;
  /** Called for unknown or conflicting inputs, which warn instead of failing. */
  onWarning: (message: string) => void;
  /** Names of inputs that were explicitly set (for "unknown input" warnings). */
  givenInputs?: string[];
  /** The GitHub run, for provenance's default and builder id; absent for the CLI. */
  run?: RunFacts;
  /** The run's commit, the build context when there is no checkout; absent for the CLI. */
  commit?: RunCommit;
  /** The environment's DOCKER_BUILD_* switches (build-push-action's); absent for the CLI. */
  buildEnv?: Record<string, string | undefined>;
  /** The runner's ID-token endpoint (a job with `id-token: write`), for signing; absent for the CLI. */
  idToken?: IdTokenRequest;
}

export function resolveConfig(get: InputLookup, env: ConfigEnv): Config {
  for (const name of env.givenInputs ?? []) {
    if (!INPUT_NAMES.has(name)) env.onWarning(`Unexpected input "${name}": multiarch does not read it (valid inputs: see action.yml).`);
  }
  const text = (name: string): string => {
    const spec = inputSpec(name);
    const value = get(name).trim();
    return value === '' ? (spec.default && !spec.default.includes('${{') ? spec.default : '') : value;
  };
  const list = (name: string): string[] => parseList(get(name), { keepCommas: inputSpec(name).list === 'lines' });
  const bool = (name: string): boolean => {
    try {
      return parseBool(text(name)) ?? false;
    } catch {
      throw new InputError(name, `"${get(name)}" is not a boolean (expected true or false)`);
    }
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T => {
    const value = text(name);
    if (!(allowed as readonly string[]).includes(value)) {
      throw new InputError(name, `"${value}" is not allowed (expected one of: ${allowed.join(', ')})`);
    }
    return value as T;
  };

  const { context, file, gitContext } = resolveContextSource(text('context'), text('file'), env.workspace, env.commit, { onSecret: env.onSecret, ...(env.run?.serverUrl || env.commit?.serverUrl ? { serverUrl: env.run?.serverUrl || env.commit?.serverUrl } : {}) });

  const platforms = resolvePlatforms(list('platforms'));
  const tags = list('tags');
  for (const tag of tags) {
    try {
      const ref = parseReference(tag);
      if (ref.digest) throw new Error(`"${tag}" names a digest; a tag cannot be moved to a digest reference`);
    } catch (err) {
      throw new InputError('tags', `${(err as Error).message}`);
    }
  }

  const mode = oneOf('mode', ['all', 'plan', 'leg', 'merge'] as const);
  const outputs = resolveOutputs(list('outputs'), { workspace: env.workspace, guard: { workspace: env.workspace, ...(gitContext ? {} : { context }) }, mode, tags, onWarning: env.onWarning });
  for (const name of outputs.tags) if (!tags.includes(name)) tags.push(name);
  let push = bool('push') || outputs.push;
  const outDir = outputs.layoutDir ?? path.resolve(env.workspace, 'multiarch-out');
  const call = resolveCall(oneOf('call', ['build', 'check', 'outline', 'targets'] as const), text('mode'), push, env.onWarning);
  if (call !== 'build') push = false;
  if (push && tags.length === 0) throw new InputError('tags', 'push is true but no tags are set (expected at least one image reference, e.g. ghcr.io/org/app:latest)');

  const qemuImage = pinnedImage('qemu-image', text('qemu-image'), 'tonistiigi/binfmt:qemu-v10.2.3-68');
  const buildkitImage = pinnedImage('buildkit-image', text('buildkit-image'), 'moby/buildkit:v0.31.2');

  const secrets = resolveSecrets(list('secrets'), list('secret-files'), list('secret-envs'), env);
  const buildArgs = list('build-args');
  for (const arg of buildArgs) if (!/^[^=\s]+=/.test(arg) && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(arg)) throw new InputError('build-args', `"${arg}" is malformed (expected KEY=value)`);
  const buildContexts = list('build-contexts');
  for (const c of buildContexts) if (!/^[^=]+=.+/.test(c)) throw new InputError('build-contexts', `"${c}" is malformed (expected name=source, e.g. golang:1.19=docker-image://localhost:5000/golang:1.19)`);

  const load = bool('load');
  const switches = resolveBuildEnvSwitches(env.buildEnv ?? {}, env.onWarning);
  const summary = bool('summary') && switches.summary;
  const noCache = bool('no-cache');
  const pull = bool('pull');
  const smoke = resolveSmoke(text('smoke-test'), text('smoke-test-expect'), text('smoke-test-timeout'));
  const githubToken = text('github-token');
  if (githubToken) env.onSecret(githubToken);
  checkMode(mode, { platforms: list('platforms'), push, tags, load });
  const verify = text('verify') ? oneOf('verify', ['strict', 'warn', 'off'] as const) : 'strict';
  const sign = resolveSign(
    { sign: text('sign'), fulcio: text('sigstore-fulcio-url'), rekor: text('sigstore-rekor-url'), tsa: text('sigstore-tsa-url'), trustedRoot: text('sigstore-trusted-root') },
    { push, verify, workspace: env.workspace, onSecret: env.onSecret, ...(env.idToken ? { idToken: env.idToken } : {}), ...(env.run?.isPrivate !== undefined ? { isPrivate: env.run.isPrivate } : {}) }
  );
  const verifySignatures = resolveSignaturePolicy(text('verify-signatures'), text('verify-signatures-issuer'), { push, ...(env.run?.serverUrl ? { serverUrl: env.run.serverUrl } : {}), ...(env.run?.repository ? { repository: env.run.repository } : {}) });
  const attest = resolveAttest(
    { attest: text('attest'), pushToRegistry: text('attest-push-to-registry') },
    { push, verify, githubToken, endpoints: sign.endpoints, onWarning: env.onWarning, ...(env.idToken ? { idToken: env.idToken } : {}), ...(env.run ? { run: env.run } : {}) }
  );
  const defaultRunner = text('default-runner');
  try {
    parseRunner(defaultRunner);
  } catch (err) {
    throw new InputError('default-runner', (err as Error).message);
  }

  return {
    context,
    file,
    ...(gitContext ? { gitContext } : {}),
    platforms,
    tags,
    labels: list('labels'),
    annotations: list('annotations'),
    buildArgs,
    buildContexts,
    secrets,
    ssh: list('ssh'),
    target: text('target') || undefined,
    push,
    ...(outputs.pushByDigest && push ? { pushByDigest: true as const } : {}),
    load,
    outputs: list('outputs'),
    exports: outputs.exports,
    keepLayout: list('outputs').length === 0 || outputs.layoutDir !== undefined,
    cacheFrom: list('cache-from'),
    cacheTo: list('cache-to'),
    noCache,
    noCacheFilters: list('no-cache-filters'),
    pull,
    network: text('network') || undefined,
    addHosts: list('add-hosts'),
    shmSize: text('shm-size') || undefined,
    ulimit: list('ulimit'),
    ...(text('cgroup-parent') ? { cgroupParent: text('cgroup-parent') } : {}),
    call,
    checkAnnotations: switches.checkAnnotations,
    provenance: resolveProvenance(text('provenance') || undefined, list('attests'), env.run),
    ...(!text('provenance') && resolveProvenance(undefined, list('attests'), env.run) ? { provenanceIsDefault: true as const } : {}),
    sbom: text('sbom') || undefined,
    attests: list('attests'),
    allow: list('allow'),
    builder: text('builder') || undefined,
    githubToken: githubToken || undefined,
    qemu: oneOf('qemu', ['auto', 'always', 'never'] as const),
    qemuImage,
    buildkitImage,
    driver: oneOf('driver', ['auto', 'docker', 'docker-container'] as const),
    verify,
    // No default in action.yml: on a runner an unset input is '', so "given" is knowable.
    ...(text('verify') ? { verifyExplicit: true as const } : {}),
    summary,
    ...resolveBinaries(text('verify-binaries'), list('verify-ignore')),
    smoke,
    mode,
    runners: resolveRunners(list('runners')),
    defaultRunner,
    nodes: resolveNodes(get('nodes'), { builder: text('builder'), driver: text('driver') }, env.onWarning),
    cacheScopePrefix: text('cache-scope-prefix'),
    cacheMounts: validCacheMounts(list('cache-mounts')),
    crossCompile: oneOf('cross-compile', ['auto', 'strict', 'off'] as const),
    sign,
    ...(verifySignatures ? { verifySignatures } : {}),
    ...(attest ? { attest } : {}),
    outDir,
    tempDir: env.tempDir || os.tmpdir(),
    imageName: resolveImageName(tags, gitContext ? gitContext.repository : context)
  };
}

/** Rejected here, before anything starts, rather than after the builder is set up. */
function validCacheMounts(entries: string[]): string[] {
  parseCacheMounts(entries);
  return entries;
}

function resolvePlatforms(items: string[]): string[] {
  if (items.length === 0) return [hostPlatform()];
  const out: string[] = [];
  for (const item of items) {
    try {
      const p = normalizePlatform(item);
      if (!out.includes(p)) out.push(p);
    } catch (err) {
      if (err instanceof InvalidPlatformError) throw new InputError('platforms', err.message);
      throw err;
    }
  }
  return out;
}

function resolveImageName(tags: string[], context: string): string {
  if (tags.length > 0) {
    try {
      const ref = parseReference(tags[0]!);
      return ref.repository.split('/').pop() ?? ref.repository;
    } catch {
      // validated above; unreachable
    }
  }
  return path.basename(context).toLowerCase().replace(/[^a-z0-9._-]/g, '-') || 'image';
}

export { INPUTS };

/** An image the action runs must be pinned: a fixed tag or a digest, never `latest` or no tag. */
function pinnedImage(input: string, image: string, example: string): string {
  if (/:latest$/.test(image) || !/[:@]/.test(image.split('/').pop() ?? '')) {
    throw new InputError(input, `"${image}" is not pinned (expected a fixed tag or digest, e.g. ${example})`);
  }
  return image;
}
