/**
 * Inputs → Config. The only place that reads inputs: the action passes core.getInput, the CLI a
 * lookup over its flags, and both get the same validation and the same error messages.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { INPUTS, INPUT_NAMES, inputSpec } from './input-spec.js';
import { resolveProvenance, type RunFacts } from './provenance.js';
import { parseBool, parseList } from './inputs.js';
import { InvalidPlatformError, hostPlatform, normalizePlatform } from './platform.js';
import { parseReference } from './registry/reference.js';
import { parseRunner } from './modes/matrix.js';
import type { Config, NodeSpec, SecretSpec } from './types/config.js';
import { parse as parseYaml } from 'yaml';
import { splitWords } from './verify/smoke-run.js';
import { InputError } from './input-error.js';
import { parseCacheMounts } from './cache/mounts.js';
import { checkOutDir } from './build/out-dir.js';
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

  const { context, file, gitContext } = resolveContextSource(text('context'), text('file'), env.workspace, env.commit);

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

  let push = bool('push');
  let outDir = path.resolve(env.workspace, 'multiarch-out');
  for (const output of list('outputs')) {
    const spec = parseKeyValues(output);
    if (spec.type === 'registry' || (spec.type === 'image' && spec.push === 'true')) push = true;
    else if (spec.type === 'oci' && spec.dest) {
      outDir = path.resolve(env.workspace, spec.dest);
      // The layout replaces the whole directory: refuse any that holds more than an old layout.
      checkOutDir('outputs', spec.dest, outDir, { workspace: env.workspace, ...(gitContext ? {} : { context }) });
    }
    else throw new InputError('outputs', `"${output}" is not supported (expected type=registry, or type=oci,dest=DIR; multiarch pushes by digest and tags only after verification)`);
  }
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
  const mode = oneOf('mode', ['all', 'plan', 'leg', 'merge'] as const);
  checkMode(mode, { platforms: list('platforms'), push, tags, load });
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
    load,
    outputs: list('outputs'),
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
    verify: text('verify') ? oneOf('verify', ['strict', 'warn', 'off'] as const) : 'strict',
    // No default in action.yml: on a runner an unset input is '', so "given" is knowable.
    ...(text('verify') ? { verifyExplicit: true as const } : {}),
    summary,
    smoke,
    mode,
    runners: resolveRunners(list('runners')),
    defaultRunner,
    nodes: resolveNodes(get('nodes'), { builder: text('builder'), driver: text('driver') }, env.onWarning),
    cacheScopePrefix: text('cache-scope-prefix'),
    cacheMounts: validCacheMounts(list('cache-mounts')),
    crossCompile: oneOf('cross-compile', ['auto', 'strict', 'off'] as const),
    outDir,
    tempDir: env.tempDir || os.tmpdir(),
    imageName: resolveImageName(tags, gitContext ? gitContext.repository : context)
  };
}

function resolveSmoke(command: string, expect: string, timeout: string): Config['smoke'] {
  // Checked even without smoke-test: a typo should not wait for the day the test is switched on.
  if (!/^[1-9][0-9]{0,5}$/.test(timeout)) throw new InputError('smoke-test-timeout', `"${timeout}" is not a whole number of seconds (expected 1 to 999999, e.g. 120)`);
  if (!command) {
    if (expect) throw new InputError('smoke-test-expect', 'is set but smoke-test is empty (expected smoke-test to name the arguments to run the image with, e.g. --version)');
    return undefined;
  }
  let args: string[];
  try {
    args = splitWords(command);
  } catch (err) {
    throw new InputError('smoke-test', `${(err as Error).message} (expected arguments for the image, e.g. --version or "sh -c 'uname -m'")`);
  }
  let re: RegExp | undefined;
  if (expect) {
    try {
      re = new RegExp(expect);
    } catch (err) {
      throw new InputError('smoke-test-expect', `"${expect}" is not a valid regular expression (${(err as Error).message})`);
    }
  }
  return { args, expect: re, timeoutSeconds: Number(timeout) };
}

/**
 * BPA's `call`: a subrequest evaluates the build in this one step and builds nothing, so it is
 * for mode all only, and push (which buildx ignores with --call) is dropped with a warning.
 */
function resolveCall(call: Config['call'], mode: string, push: boolean, warn: (message: string) => void): Config['call'] {
  if (call === 'build') return call;
  if (mode && mode !== 'all') throw new InputError('call', `call ${call} evaluates the build in one step (expected mode all, or call build)`);
  if (push) warn(`Input "push": call ${call} builds no image, so nothing is pushed (as with build-push-action)`);
  return call;
}

/**
 * A leg builds one platform and pushes it by digest; merge moves the tags of the platforms the
 * legs built. Both need the registry, and merge must be told which platforms to expect.
 */
function checkMode(mode: Config['mode'], c: { platforms: string[]; push: boolean; tags: string[]; load: boolean }): void {
  if (mode !== 'leg' && mode !== 'merge') return;
  if (mode === 'leg' && c.platforms.length !== 1) {
    throw new InputError('platforms', `mode leg builds exactly one platform, got ${c.platforms.length ? c.platforms.join(', ') : 'none'} (expected one, e.g. platforms: \${{ matrix.platform }})`);
  }
  if (mode === 'merge' && c.platforms.length === 0) {
    throw new InputError('platforms', 'mode merge needs every platform the legs built (expected the same list as the plan, e.g. linux/amd64,linux/arm64)');
  }
  if (!c.push) throw new InputError('push', `mode ${mode} pushes by digest to the registry, so push must be true`);
  if (c.tags.length === 0) throw new InputError('tags', `mode ${mode} needs the image's tags (expected the same tags in the leg and merge steps)`);
  if (c.load) throw new InputError('load', `mode ${mode} cannot load into the Docker image store (expected load: false; pull the merged image instead)`);
}

/** Rejected here, before anything starts, rather than after the builder is set up. */
function validCacheMounts(entries: string[]): string[] {
  parseCacheMounts(entries);
  return entries;
}

function resolveRunners(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf('=');
    if (i <= 0 || i === item.length - 1) throw new InputError('runners', `"${item}" is malformed (expected platform=runner-label, e.g. linux/arm64=ubuntu-24.04-arm, or platform=["self-hosted","ARM64"])`);
    try {
      const runner = item.slice(i + 1).trim();
      parseRunner(runner);
      out[normalizePlatform(item.slice(0, i))] = runner;
    } catch (err) {
      throw new InputError('runners', (err as Error).message);
    }
  }
  return out;
}

const NODES_FORM = 'a YAML list of {name, endpoint, platforms, driver, driver-opts}, e.g. "- {name: arm64, driver: remote, endpoint: tcp://buildkit-arm64:1234, platforms: linux/arm64}"';
const NODE_DRIVERS = ['docker-container', 'kubernetes', 'remote'];
const NODE_KEYS = new Set(['name', 'endpoint', 'platforms', 'driver', 'driver-opts']);
/** The remote driver's schemes (buildx driver/remote/util/endpoint.go). */
const REMOTE_SCHEMES = ['tcp', 'unix', 'ssh', 'docker-container', 'kube-pod', 'npipe'];

/**
 * The `nodes` input → NodeSpec[]. Nodes join a builder the run creates (src/setup/nodes.ts), so
 * they conflict with `builder` and `driver: docker`; what buildx would reject later (a node name,
 * mixed drivers, a duplicate endpoint, a platform on two nodes) is rejected here, by entry.
 */
function resolveNodes(raw: string, other: { builder: string; driver: string }, warn: (message: string) => void): NodeSpec[] {
  if (raw.trim() === '') return [];
  let doc: unknown;
  try {
    doc = parseYaml(raw);
  } catch (err) {
    throw new InputError('nodes', `is not valid YAML: ${(err as Error).message.split('\n')[0]} (expected ${NODES_FORM})`);
  }
  if (doc === null || doc === undefined) return [];
  if (!Array.isArray(doc)) throw new InputError('nodes', `is not a list (expected ${NODES_FORM})`);
  if (other.builder) throw new InputError('nodes', `cannot be used with input "builder" ("${other.builder}"): nodes are appended to a builder multiarch creates for the run (expected one of the two; to keep your builder, append the nodes to it with docker buildx create --append)`);
  if (other.driver === 'docker') throw new InputError('nodes', 'cannot be used with driver "docker": a docker-driver builder takes no nodes (expected driver auto or docker-container)');
  const out: NodeSpec[] = [];
  for (const [i, item] of doc.entries()) {
    const at = `entry ${i + 1}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new InputError('nodes', `${at} is not a mapping (expected ${NODES_FORM})`);
    const entry = item as Record<string, unknown>;
    for (const key of Object.keys(entry)) if (!NODE_KEYS.has(key)) warn(`Input "nodes": ${at} has an unknown key "${key}" (valid keys: ${[...NODE_KEYS].join(', ')}); it is ignored.`);
    const scalar = (key: string): string | undefined => {
      const v = entry[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v === 'object') throw new InputError('nodes', `${at}: "${key}" is not a single value (expected a string)`);
      return String(v).trim() || undefined;
    };
    const name = scalar('name');
    if (!name) throw new InputError('nodes', `${at} has no "name" (expected ${NODES_FORM})`);
    // buildx's own rule (store/util.go), and it lowercases the name.
    if (!/^[a-zA-Z][a-zA-Z0-9._-]*$/.test(name)) throw new InputError('nodes', `${at}: name "${name}" is not valid (expected a letter, then letters, digits, ".", "_" or "-")`);
    const where = `${at} ("${name}")`;
    const driver = scalar('driver') ?? 'docker-container';
    if (!NODE_DRIVERS.includes(driver)) throw new InputError('nodes', `${where}: driver "${driver}" is not allowed (expected one of: ${NODE_DRIVERS.join(', ')})`);
    // A kubernetes node becomes a Deployment named after it (an RFC 1123 name).
    if (driver === 'kubernetes' && !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(name.toLowerCase())) throw new InputError('nodes', `${where}: a kubernetes node's name becomes a Deployment name (expected lowercase letters, digits, "-" and ".")`);
    const endpoint = scalar('endpoint');
    if (driver === 'kubernetes' && endpoint) throw new InputError('nodes', `${where}: the kubernetes driver takes no endpoint (it reads KUBECONFIG; expected driver-opts such as namespace=buildkit)`);
    if (driver === 'remote') {
      if (!endpoint) throw new InputError('nodes', `${where}: the remote driver needs an endpoint (expected a BuildKit address, e.g. tcp://buildkit-arm64:1234)`);
      const scheme = /^([a-z][a-z0-9+.-]*):\/\//.exec(endpoint)?.[1];
      if (!scheme || !REMOTE_SCHEMES.includes(scheme)) throw new InputError('nodes', `${where}: endpoint "${endpoint}" is not a BuildKit address (expected ${REMOTE_SCHEMES.map((s) => `${s}://`).join(', ')})`);
    }
    const rawPlatforms = entry.platforms;
    const platformItems = Array.isArray(rawPlatforms) ? rawPlatforms.map(String) : typeof rawPlatforms === 'string' ? parseList(rawPlatforms) : [];
    if (platformItems.length === 0) throw new InputError('nodes', `${where} has no "platforms" (expected the platforms the node runs natively, e.g. linux/arm64)`);
    const platforms: string[] = [];
    for (const p of platformItems) {
      try {
        const n = normalizePlatform(p);
        if (!platforms.includes(n)) platforms.push(n);
      } catch (err) {
        throw new InputError('nodes', `${where}: ${(err as Error).message}`);
      }
    }
    out.push({ name: name.toLowerCase(), ...(endpoint ? { endpoint } : {}), platforms, driver, driverOpts: resolveDriverOpts(entry['driver-opts'], where) });
  }
  for (const [i, node] of out.entries()) {
    const where = `entry ${i + 1} ("${node.name}")`;
    const first = out[0]!;
    if (node.driver !== first.driver) throw new InputError('nodes', `${where} uses driver ${node.driver} but entry 1 uses ${first.driver} (expected one driver for every node: buildx gives a builder one driver)`);
    const before = out.slice(0, i);
    if (before.some((n) => n.name === node.name)) throw new InputError('nodes', `${where}: the name is used twice (expected a unique name per node)`);
    if (node.driver !== 'kubernetes' && before.some((n) => n.endpoint === node.endpoint)) {
      throw new InputError('nodes', `${where}: endpoint ${node.endpoint ?? '(this Docker engine)'} is used twice (expected one node per endpoint)`);
    }
    for (const p of node.platforms) {
      const other = before.find((n) => n.platforms.includes(p));
      // buildx keeps a platform on the node appended last; the plan would disagree.
      if (other) throw new InputError('nodes', `${where}: ${p} is also on node "${other.name}" (expected each platform on one node)`);
    }
  }
  return out;
}

/** `driver-opts` as a list (each item one `--driver-opt`, verbatim, as buildx reads it) or a mapping. */
function resolveDriverOpts(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return parseList(value, { keepCommas: true });
  if (Array.isArray(value)) {
    return value.map((o) => {
      if (typeof o !== 'string' && typeof o !== 'number' && typeof o !== 'boolean') throw new InputError('nodes', `${where}: a driver-opts item is not a string (expected key=value, e.g. nodeselector=kubernetes.io/arch=arm64)`);
      const s = String(o).trim();
      if (!/^[^=\s]+=/.test(s)) throw new InputError('nodes', `${where}: driver-opts item "${s}" is malformed (expected key=value, e.g. namespace=buildkit)`);
      return s;
    });
  }
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).map(([k, v]) => {
      if (v !== null && typeof v === 'object') throw new InputError('nodes', `${where}: driver-opts "${k}" is not a single value (expected key: value)`);
      const opt = `${k}=${v ?? ''}`;
      // buildx reads each --driver-opt as a CSV record: a value holding a comma (two node
      // selectors) or a quote must be quoted to stay one option.
      return /[",]/.test(opt) ? `"${opt.replace(/"/g, '""')}"` : opt;
    });
  }
  throw new InputError('nodes', `${where}: driver-opts is not a list or a mapping (expected e.g. [namespace=buildkit, replicas=2])`);
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

/**
 * Build secrets. An entry with no id or no value is skipped with a warning, as build-push-action
 * does (buildx would fail the whole build on it); the warning names the entry by its id or its
 * position, never by its text, which may be the secret itself.
 */
function resolveSecrets(values: string[], files: string[], envs: string[], env: ConfigEnv): SecretSpec[] {
  const out: SecretSpec[] = [];
  const split = (input: string, item: string, n: number): [string, string] | undefined => {
    const i = item.indexOf('=');
    const id = i > 0 ? item.slice(0, i).trim() : '';
    const value = i > 0 ? item.slice(i + 1) : '';
    if (id && value.trim()) return [id, value];
    const expected = input === 'secrets' ? 'id=value' : input === 'secret-files' ? 'id=path' : 'id=ENV_NAME';
    env.onWarning(`Input "${input}": entry ${n}${id ? ` ("${id}")` : ''} is not a valid secret (expected ${expected}): skipped`);
    return undefined;
  };
  values.forEach((item, n) => {
    const kv = split('secrets', item, n + 1);
    if (!kv) return;
    // Mask before anything else can print it; quotes around the value are not part of it.
    const unquoted = kv[1].replace(/^"(.*)"$/s, '$1');
    env.onSecret(unquoted);
    out.push({ id: kv[0], kind: 'value', value: unquoted });
  });
  files.forEach((item, n) => {
    const kv = split('secret-files', item, n + 1);
    if (!kv) return;
    const file = path.resolve(env.workspace, kv[1]);
    if (!fs.existsSync(file)) return env.onWarning(`Input "secret-files": entry ${n + 1} ("${kv[0]}"): file ${kv[1]} not found: skipped`);
    out.push({ id: kv[0], kind: 'file', path: file });
  });
  envs.forEach((item, n) => {
    const kv = split('secret-envs', item, n + 1);
    if (kv) out.push({ id: kv[0], kind: 'env', env: kv[1] });
  });
  return out;
}

/** `type=oci,dest=out` → {type: 'oci', dest: 'out'}. */
export function parseKeyValues(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of parseList(spec)) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
    else out[part.trim()] = '';
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
