/**
 * Follows DT_NEEDED from the programs the image starts, breadth first as the loader does, through
 * the search path of loader-path.ts, and records what the loader would do: load a file, skip a
 * copy built for another machine (glibc and musl both pass over an incompatible file and keep
 * looking), or give up with "cannot open shared object file". Reading happens through the
 * LayerWalker (from memory after a whole-image scan); deciding what it means is needed-check.ts.
 */
import { readElfFacts, type ElfFacts } from '../elf-facts.js';
import { matchesPlatform, type ElfInfo } from '../elf.js';
import type { LayerWalker, ResolvedFile } from '../layers.js';
import { baseName, joinPath, parentOf } from '../paths.js';
import type { PlatformSpec } from '../platform.js';
import { expandOrigin, sharedDirs, type SearchPath } from './loader-path.js';

/** A program the closure starts from: the entrypoint, a #! interpreter, the smoke test's program. */
export interface ClosureRoot {
  file: ResolvedFile;
  elf: ElfInfo;
  facts: ElfFacts;
}

/** One library the loader would load. */
export interface LoadedLibrary {
  name: string;
  file: ResolvedFile;
  elf: ElfInfo;
  /** `/app/server → libfoo.so.1 → libbar.so.2`: who needs it, the root first. */
  chain: string[];
}

/** A copy that the loader would pass over, or load and crash on. */
export interface RejectedCopy {
  file: ResolvedFile;
  elf: ElfInfo;
  /** describeElf / matchesPlatform's words for it. */
  actual: string;
  why: string;
}

/** What stops the program from starting, or a part of the closure that could not be read. */
export type LibraryProblem =
  | { kind: 'missing'; name: string; chain: string[]; searched: string[]; rejected: RejectedCopy[] }
  | { kind: 'wrong-arch'; name: string; chain: string[]; copy: RejectedCopy }
  | { kind: 'unreadable'; path: string; chain: string[]; reason: string };

/** The closure of one image's programs. */
export interface Closure {
  libraries: LoadedLibrary[];
  problems: LibraryProblem[];
}

/** More libraries than any real program loads; a guard against a loop the dedup misses. */
const MAX_LIBRARIES = 4096;

/** musl satisfies these itself (its "reserved" names): libc.musl-x86_64.so.1, libpthread.so.0, … */
const MUSL_BUILTIN = /^lib(c|pthread|rt|m|dl|util|xnet)\./;

interface Pending {
  path: string;
  origin: string;
  facts: ElfFacts;
  chain: string[];
  /** DT_RPATH of the objects that led here (glibc: used only while no DT_RUNPATH intervenes). */
  inherited: string[];
}

/** Resolves the libraries of `roots` (all built for `platform`, all using one loader). */
export async function resolveClosure(walker: LayerWalker, roots: ClosureRoot[], platform: PlatformSpec, search: SearchPath, interpreter: string | undefined): Promise<Closure> {
  const libraries: LoadedLibrary[] = [];
  const problems: LibraryProblem[] = [];
  // Names already satisfied: the loader matches DT_NEEDED against what it has loaded, itself included.
  const loaded = new Set<string>(interpreter ? [baseName(interpreter)] : []);
  const seenPaths = new Set<string>();
  const queue: Pending[] = roots.map((r) => ({ path: r.file.path, origin: parentOf(r.file.path), facts: r.facts, chain: [r.file.path], inherited: [] }));
  for (const r of roots) seenPaths.add(r.file.path);

  while (queue.length > 0 && libraries.length < MAX_LIBRARIES) {
    const object = queue.shift() as Pending;
    const dynamic = object.facts.dynamic;
    if (dynamic.kind === 'unreadable') {
      problems.push({ kind: 'unreadable', path: object.path, chain: object.chain, reason: dynamic.reason });
      continue;
    }
    if (dynamic.kind !== 'read') continue;
    const { info } = dynamic;
    const ownRpath = expandOrigin(info.rpath ?? [], object.origin, platform.architecture);
    const runpath = expandOrigin(info.runpath ?? [], object.origin, platform.architecture);
    for (const name of info.needed) {
      if (loaded.has(name) || (search.libc === 'musl' && MUSL_BUILTIN.test(name))) continue;
      const dirs = searchDirs(search, info.runpath !== undefined, ownRpath, runpath, object.inherited);
      const chain = [...object.chain, name];
      const found = await findLibrary(walker, name, dirs, platform);
      if (found.kind === 'missing') {
        problems.push({ kind: 'missing', name, chain, searched: name.includes('/') ? [name] : dirs, rejected: found.rejected });
        continue;
      }
      loaded.add(name);
      if (found.copy) problems.push({ kind: 'wrong-arch', name, chain, copy: found.copy });
      if (found.facts.dynamic.kind === 'read' && found.facts.dynamic.info.soname) loaded.add(found.facts.dynamic.info.soname);
      if (seenPaths.has(found.file.path)) continue;
      seenPaths.add(found.file.path);
      libraries.push({ name, file: found.file, elf: found.elf, chain });
      const inherited = info.runpath !== undefined ? object.inherited : [...object.inherited, ...ownRpath];
      queue.push({ path: found.file.path, origin: parentOf(found.openedAs), facts: found.facts, chain, inherited });
    }
  }
  return { libraries, problems };
}

/** The directories searched for one DT_NEEDED of an object, in the loader's order. */
function searchDirs(search: SearchPath, hasRunpath: boolean, ownRpath: string[], runpath: string[], inherited: string[]): string[] {
  const dirs =
    search.libc === 'musl'
      ? [...search.env, ...ownRpath, ...runpath, ...inherited, ...sharedDirs(search)]
      : [...(hasRunpath ? [] : [...ownRpath, ...inherited]), ...search.env, ...runpath, ...sharedDirs(search)];
  return [...new Set(dirs)];
}

type Found =
  | { kind: 'found'; file: ResolvedFile; openedAs: string; elf: ElfInfo; facts: ElfFacts; copy?: RejectedCopy }
  | { kind: 'missing'; rejected: RejectedCopy[] };

/**
 * The first copy of `name` the loader accepts: a regular ELF file of the loader's class, byte
 * order and machine. One of the right machine but too new an ARM version is accepted (the loader
 * does not check) and returned as `copy`, because the process then dies with SIGILL.
 */
async function findLibrary(walker: LayerWalker, name: string, dirs: string[], platform: PlatformSpec): Promise<Found> {
  const candidates = name.includes('/') ? [joinPath('/', name)] : dirs.map((d) => joinPath(d, name));
  const rejected: RejectedCopy[] = [];
  const tried = new Set<string>();
  for (const path of candidates) {
    const lookup = await walker.resolve(path);
    // /lib/x and /usr/lib/x are one file on a merged-/usr image: judge it once.
    if (!lookup.found || lookup.file.kind !== 'file' || tried.has(lookup.file.path)) continue;
    tried.add(lookup.file.path);
    const file = lookup.file;
    const facts = file.facts ?? readElfFacts(file.head, file.size);
    if (!facts.elf) continue;
    const match = matchesPlatform(facts.elf, platform);
    if (!match.ok && !sameMachine(facts.elf, platform)) {
      rejected.push({ file, elf: facts.elf, actual: match.actual, why: match.detail ?? 'not for this platform' });
      continue;
    }
    const found: Found = { kind: 'found', file, openedAs: path, elf: facts.elf, facts };
    return match.ok ? found : { ...found, copy: { file, elf: facts.elf, actual: match.actual, why: match.detail ?? '' } };
  }
  return { kind: 'missing', rejected };
}

/** Class, byte order and machine agree (what ld.so checks); the ARM version may still differ. */
function sameMachine(elf: ElfInfo, platform: PlatformSpec): boolean {
  return matchesPlatform(elf, { os: platform.os, architecture: platform.architecture }).ok;
}
