/**
 * Inputs → Config. The only place that reads inputs: the action passes core.getInput, the CLI a
 * lookup over its flags, and both get the same validation and the same error messages.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { INPUTS, INPUT_NAMES, inputSpec } from './input-spec.js';
import { parseBool, parseList } from './inputs.js';
import { InvalidPlatformError, hostPlatform, normalizePlatform } from './platform.js';
import { parseReference } from './registry/reference.js';
import type { Config, SecretSpec } from './types/config.js';
import { splitWords } from './verify/smoke-run.js';

/** A bad input: the message names the input and the expected form, and no leg has started. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string
  ) {
    super(`Input "${input}": ${message}`);
    this.name = 'InputError';
  }
}

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

  const context = path.resolve(env.workspace, text('context') || '.');
  if (!isDirectory(context)) throw new InputError('context', `"${text('context')}" is not a directory (expected a path to the build context)`);
  const fileText = text('file');
  const file = fileText ? path.resolve(env.workspace, fileText) : path.join(context, 'Dockerfile');
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    throw new InputError('file', `Dockerfile "${fileText || path.relative(env.workspace, file) || file}" not found (expected a path to a Dockerfile${fileText ? '' : '; by default {context}/Dockerfile'})`);
  }

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
    else if (spec.type === 'oci' && spec.dest) outDir = path.resolve(env.workspace, spec.dest);
    else throw new InputError('outputs', `"${output}" is not supported (expected type=registry, or type=oci,dest=DIR; multiarch pushes by digest and tags only after verification)`);
  }
  if (push && tags.length === 0) throw new InputError('tags', 'push is true but no tags are set (expected at least one image reference, e.g. ghcr.io/org/app:latest)');

  const qemuImage = text('qemu-image');
  if (/:latest$/.test(qemuImage) || !/[:@]/.test(qemuImage.split('/').pop() ?? '')) {
    throw new InputError('qemu-image', `"${qemuImage}" is not pinned (expected a fixed tag or digest, e.g. tonistiigi/binfmt:qemu-v10.2.3-68)`);
  }

  const secrets = resolveSecrets(list('secrets'), list('secret-files'), list('secret-envs'), env);
  const buildArgs = list('build-args');
  for (const arg of buildArgs) if (!/^[^=\s]+=/.test(arg) && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(arg)) throw new InputError('build-args', `"${arg}" is malformed (expected KEY=value)`);
  const buildContexts = list('build-contexts');
  for (const c of buildContexts) if (!/^[^=]+=.+/.test(c)) throw new InputError('build-contexts', `"${c}" is malformed (expected name=source, e.g. golang:1.19=docker-image://localhost:5000/golang:1.19)`);

  const load = bool('load');
  const summary = bool('summary');
  const noCache = bool('no-cache');
  const pull = bool('pull');
  const smoke = resolveSmoke(text('smoke-test'), text('smoke-test-expect'));
  const githubToken = text('github-token');
  if (githubToken) env.onSecret(githubToken);

  return {
    context,
    file,
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
    provenance: text('provenance') || undefined,
    sbom: text('sbom') || undefined,
    attests: list('attests'),
    allow: list('allow'),
    builder: text('builder') || undefined,
    githubToken: githubToken || undefined,
    qemu: oneOf('qemu', ['auto', 'always', 'never'] as const),
    qemuImage,
    driver: oneOf('driver', ['auto', 'docker', 'docker-container'] as const),
    verify: oneOf('verify', ['strict', 'warn', 'off'] as const),
    summary,
    smoke,
    mode: oneOf('mode', ['all', 'plan', 'leg', 'merge'] as const),
    runners: resolveRunners(list('runners')),
    nodes: [],
    cacheScopePrefix: text('cache-scope-prefix'),
    cacheMounts: list('cache-mounts'),
    crossCompile: oneOf('cross-compile', ['auto', 'off'] as const),
    outDir,
    tempDir: env.tempDir || os.tmpdir(),
    imageName: resolveImageName(tags, context)
  };
}

function resolveSmoke(command: string, expect: string): Config['smoke'] {
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
  return { args, expect: re, timeoutSeconds: 120 };
}

function resolveRunners(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf('=');
    if (i <= 0 || i === item.length - 1) throw new InputError('runners', `"${item}" is malformed (expected platform=runner-label, e.g. linux/arm64=ubuntu-24.04-arm)`);
    try {
      out[normalizePlatform(item.slice(0, i))] = item.slice(i + 1).trim();
    } catch (err) {
      throw new InputError('runners', (err as Error).message);
    }
  }
  return out;
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

function resolveSecrets(values: string[], files: string[], envs: string[], env: ConfigEnv): SecretSpec[] {
  const out: SecretSpec[] = [];
  const split = (input: string, item: string): [string, string] => {
    const i = item.indexOf('=');
    if (i <= 0) throw new InputError(input, `an entry is malformed (expected id=${input === 'secrets' ? 'value' : input === 'secret-files' ? 'path' : 'ENV_NAME'})`);
    return [item.slice(0, i), item.slice(i + 1)];
  };
  for (const item of values) {
    const [id, value] = split('secrets', item);
    // Mask before anything else can print it; quotes around the value are not part of it.
    const unquoted = value.replace(/^"(.*)"$/s, '$1');
    env.onSecret(unquoted);
    out.push({ id, kind: 'value', value: unquoted });
  }
  for (const item of files) {
    const [id, p] = split('secret-files', item);
    out.push({ id, kind: 'file', path: path.resolve(env.workspace, p) });
  }
  for (const item of envs) {
    const [id, name] = split('secret-envs', item);
    out.push({ id, kind: 'env', env: name });
  }
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

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export { INPUTS };
