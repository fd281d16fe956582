/**
 * The `outputs` input: any buildx `--output`, one per line, as build-push-action takes it. Each is
 * resolved into what the run does with the merged, verified image (push it, tag it, load it, write
 * it as a layout or a tarball) or, for `local` and `tar`, with the build's files, which are not an
 * image and so have nothing to verify.
 */
import * as path from 'node:path';
import { checkFilesDir, checkOutDir, checkOutFile, type OutDirGuard } from '../build/out-dir.js';
import { InputError } from '../input-error.js';
import { parseBool, parseList } from '../inputs.js';
import { parseReference } from '../registry/reference.js';
import type { Config, Mode, OutputExport } from '../types/config.js';

const EXPECTED = 'expected type=registry|image|docker|oci|local|tar|cacheonly, e.g. type=image,name=REF,push=true, type=docker,name=REF, type=oci,dest=DIR|FILE.tar, type=local,dest=DIR, type=tar,dest=FILE';

/** The keys each type takes; any other is a buildx option multiarch does not apply, and warns. */
const KEYS: Record<OutputExport['type'] | 'registry', string[]> = {
  image: ['name', 'push', 'push-by-digest', 'name-canonical'],
  registry: ['name', 'push', 'push-by-digest', 'name-canonical'],
  oci: ['dest', 'tar', 'name'],
  docker: ['dest', 'name'],
  local: ['dest'],
  tar: ['dest'],
  cacheonly: []
};

export interface ResolvedOutputs {
  exports: OutputExport[];
  push: boolean;
  /** Names from image outputs, to add to the tags. */
  tags: string[];
  /** A `type=oci,dest=DIR` output's directory. */
  layoutDir?: string;
  /** An image output pushes by digest only (`push-by-digest=true`): no tag moves. */
  pushByDigest?: true;
}

export interface OutputsEnv {
  workspace: string;
  guard: OutDirGuard;
  mode: Mode;
  /** The `tags` input: what `type=docker` with no name loads under. */
  tags: string[];
  onWarning: (message: string) => void;
}

export function resolveOutputs(lines: string[], env: OutputsEnv): ResolvedOutputs {
  const out: ResolvedOutputs = { exports: [], push: false, tags: [] };
  for (const line of lines) {
    const e = resolveOutput(line, env);
    if ((env.mode === 'leg' || env.mode === 'merge') && e.type !== 'image') {
      throw new InputError('outputs', `"${line}" cannot be written in mode ${env.mode}: the legs run on other machines and meet only in the registry (expected type=registry or type=image,push=true)`);
    }
    if (e.type === 'image') {
      out.push ||= e.push;
      out.tags.push(...e.names);
      if (e.byDigest) out.pushByDigest = true;
    }
    if (e.type === 'oci' && !e.tar) out.layoutDir = e.dest;
    out.exports.push(e);
  }
  for (const e of out.exports) {
    // `type=docker` alone loads under the tags, as buildx names the image by them.
    if (e.type === 'docker' && e.names.length === 0) e.names = [...new Set([...env.tags, ...out.tags])];
  }
  return out;
}

/** A build whose only outputs are `type=cacheonly`: nothing is pushed, loaded, written or verified. */
export function isBuildOnly(c: Pick<Config, 'exports' | 'push' | 'load'>): boolean {
  return c.exports.length > 0 && c.exports.every((e) => e.type === 'cacheonly') && !c.push && !c.load;
}

/** Outputs that are files, not an image: nothing to verify for them. */
export function isFilesOutput(e: OutputExport): e is Extract<OutputExport, { type: 'local' | 'tar' }> {
  return e.type === 'local' || e.type === 'tar';
}

function resolveOutput(line: string, env: OutputsEnv): OutputExport {
  const { fields, names } = parseFields(shorthand(line));
  const type = fields.get('type');
  if (type === undefined) throw new InputError('outputs', `"${line}" has no type (${EXPECTED})`);
  if (!(type in KEYS)) throw new InputError('outputs', `"${line}" is not supported (${EXPECTED})`);
  const ignored = [...fields.keys()].filter((k) => k !== 'type' && !KEYS[type as keyof typeof KEYS].includes(k));
  if (ignored.length) env.onWarning(`Input "outputs": ${ignored.join(', ')} in "${line}" ignored: multiarch builds each platform itself and does not apply ${ignored.length > 1 ? 'these buildx options' : 'this buildx option'}.`);
  for (const n of names) checkName(line, n);
  const dest = fields.get('dest');
  const at = (kind: string) => {
    if (!dest) throw new InputError('outputs', `"${line}": type=${type} needs dest=${kind} (${EXPECTED})`);
    return path.resolve(env.workspace, dest);
  };
  switch (type) {
    case 'registry':
    case 'image': {
      const push = fields.has('push') ? bool(line, 'push', fields.get('push')!) : type === 'registry';
      // buildx's multi-runner pattern: push untagged, the digest output names it; a merge job tags it.
      // (name-canonical only changes how buildx spells the name in its metadata: nothing to do here.)
      const byDigest = fields.has('push-by-digest') && bool(line, 'push-by-digest', fields.get('push-by-digest')!);
      if (fields.has('name-canonical')) bool(line, 'name-canonical', fields.get('name-canonical')!);
      return { type: 'image', names, push, ...(byDigest ? { byDigest: true as const } : {}) };
    }
    case 'oci': {
      const file = at('DIR or dest=FILE');
      // buildx writes a tar unless tar=false; a dest without a .tar name stays the directory it always was here.
      const tar = fields.has('tar') ? bool(line, 'tar', fields.get('tar')!) : /\.tar$/i.test(dest!);
      if (tar) checkOutFile('outputs', dest!, file, env.guard, 'type=oci,dest=FILE.tar');
      else checkOutDir('outputs', dest!, file, env.guard);
      return { type: 'oci', dest: file, tar, names };
    }
    case 'docker': {
      if (!dest) return { type: 'docker', names };
      const file = at('FILE');
      checkOutFile('outputs', dest, file, env.guard, 'type=docker,dest=FILE');
      return { type: 'docker', names, dest: file };
    }
    case 'local': {
      const dir = at('DIR');
      checkFilesDir('outputs', dest!, dir, env.guard);
      return { type: 'local', dest: dir };
    }
    case 'tar': {
      const file = at('FILE');
      checkOutFile('outputs', dest!, file, env.guard, 'type=tar,dest=FILE');
      return { type: 'tar', dest: file };
    }
    default:
      return { type: 'cacheonly' };
  }
}

/**
 * buildx's shorthand: one field with no `=` is `type=local,dest=<it>` (`-o ./bin`), and `-` is a
 * tar on standard output, which a step cannot hand to anyone.
 */
function shorthand(line: string): string {
  const text = line.trim();
  if (text.includes('=') || text.includes(',')) return line;
  if (text === '-') throw new InputError('outputs', '"-": a tar on standard output cannot be delivered by a step (expected a path, or type=tar,dest=FILE)');
  return `type=local,"dest=${text.replace(/"/g, '""')}"`;
}

/**
 * buildx's CSV: `"name=a,b"` quoted holds two names; unquoted, `name=a,b` reaches us as `name=a`
 * and a bare `b`, which is taken as another name too (buildx would refuse it).
 */
function parseFields(line: string): { fields: Map<string, string>; names: string[] } {
  const fields = new Map<string, string>();
  const names: string[] = [];
  let last = '';
  for (const part of parseList(line)) {
    const i = part.indexOf('=');
    if (i <= 0) {
      if (last === 'name') names.push(part.trim());
      else throw new InputError('outputs', `"${line}": "${part}" is not key=value (${EXPECTED})`);
      continue;
    }
    last = part.slice(0, i).trim();
    const value = part.slice(i + 1).trim();
    if (last === 'name') names.push(...value.split(',').map((n) => n.trim()).filter(Boolean));
    else fields.set(last, value);
  }
  if (names.length) fields.set('name', names.join(','));
  return { fields, names };
}

function checkName(line: string, name: string): void {
  try {
    const ref = parseReference(name);
    if (ref.digest) throw new Error(`"${name}" names a digest; a name is a tag, which cannot be a digest reference`);
  } catch (err) {
    throw new InputError('outputs', `"${line}": ${(err as Error).message} (expected name=REF[,REF…], e.g. name=ghcr.io/org/app:1)`);
  }
}

function bool(line: string, key: string, value: string): boolean {
  let b: boolean | undefined;
  try {
    b = parseBool(value);
  } catch {
    b = undefined;
  }
  if (b === undefined) throw new InputError('outputs', `"${line}": ${key}=${value} is not a boolean (expected true or false)`);
  return b;
}
