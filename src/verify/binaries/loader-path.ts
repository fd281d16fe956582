/**
 * Where the image's dynamic loader looks for a library, in its order. glibc (ld.so(8)): DT_RPATH
 * (without DT_RUNPATH), LD_LIBRARY_PATH, DT_RUNPATH, the ld.so.cache that ldconfig builds from
 * /etc/ld.so.conf (and what it includes), then the system directories, which on Debian include
 * the multiarch tuple ones. musl (its ldso/dynlink.c): LD_LIBRARY_PATH, DT_RPATH/DT_RUNPATH of the
 * object and the objects that loaded it, then /etc/ld-musl-ARCH.path, or /lib:/usr/local/lib:/usr/lib.
 */
import { compileGlob } from './glob.js';
import type { LayerWalker } from '../layers.js';
import { baseName, joinPath, normalizePath, parentOf } from '../paths.js';
import { multiarchTuples, usesLib64 } from './arch-names.js';

/** Which loader rules apply. */
export type Libc = 'glibc' | 'musl';

/** The image-wide part of the search: everything but an object's own DT_RPATH/DT_RUNPATH. */
export interface SearchPath {
  libc: Libc;
  /** LD_LIBRARY_PATH from the image's Env. */
  env: string[];
  /** glibc: the directories /etc/ld.so.conf names (the cache's); musl: the ld-musl path file's. */
  configured: string[];
  /** Where they came from, for messages: `/etc/ld.so.conf` and the files it includes. */
  configFiles: string[];
  /** glibc's system directories for the arch; musl's built-in list when no path file exists. */
  system: string[];
}

/** Includes nested deeper than this are a loop. */
const MAX_INCLUDE_DEPTH = 8;

/** musl's loader when the interpreter says so; glibc for everything else. */
export function libcOf(interpreter: string | undefined): Libc {
  return interpreter && baseName(interpreter).startsWith('ld-musl-') ? 'musl' : 'glibc';
}

/** The directories after an object's own: configured, then system ones. */
export function sharedDirs(search: SearchPath): string[] {
  return unique([...search.configured, ...search.system]);
}

/** LD_LIBRARY_PATH as the image sets it (the last assignment wins, as in the process environment). */
export function libraryPathOf(env: readonly string[]): string[] {
  const entry = [...env].reverse().find((e) => e.startsWith('LD_LIBRARY_PATH='));
  return entry ? splitDirs(entry.slice('LD_LIBRARY_PATH='.length)) : [];
}

/**
 * Reads the image's loader configuration for `arch`. `interpreter` decides musl or glibc; for
 * musl it also names the path file (ld-musl-aarch64.so.1 reads /etc/ld-musl-aarch64.path).
 */
export async function resolveSearchPath(walker: LayerWalker, arch: string, interpreter: string | undefined, env: readonly string[]): Promise<SearchPath> {
  const libc = libcOf(interpreter);
  const ldLibraryPath = libraryPathOf(env);
  if (libc === 'musl') {
    const name = /^ld-musl-(.+)\.so\.1$/.exec(baseName(interpreter ?? ''))?.[1];
    const file = name ? `/etc/ld-musl-${name}.path` : undefined;
    const text = file ? await readText(walker, file) : undefined;
    if (file && text !== undefined) return { libc, env: ldLibraryPath, configured: splitDirs(text.replace(/\n/g, ':')), configFiles: [file], system: [] };
    return { libc, env: ldLibraryPath, configured: [], configFiles: [], system: ['/lib', '/usr/local/lib', '/usr/lib'] };
  }
  const configFiles: string[] = [];
  const configured = await readLdSoConf(walker, '/etc/ld.so.conf', configFiles, 0);
  const loader = interpreter ? await walker.resolve(interpreter) : undefined;
  const loaderDir = loader?.found ? parentOf(loader.file.path) : undefined;
  return { libc, env: ldLibraryPath, configured, configFiles, system: glibcSystemDirs(arch, loaderDir) };
}

/**
 * glibc's built-in directories, which depend on how the distribution built it; the directory its
 * loader really lives in tells which. Debian and Ubuntu (`ld.so --help`): the multiarch tuple
 * directories, then /lib and /usr/lib. Fedora, RHEL and SUSE: /lib64 and /usr/lib64 on 64-bit.
 * Anything else: /lib and /usr/lib. Without a loader to go by, all of them.
 */
export function glibcSystemDirs(arch: string, loaderDir?: string): string[] {
  const tupleDirs = multiarchTuples(arch).flatMap((t) => [`/lib/${t}`, `/usr/lib/${t}`]);
  const lib64 = usesLib64(arch) ? ['/lib64', '/usr/lib64'] : [];
  const tuple = loaderDir ? multiarchTuples(arch).find((t) => baseName(loaderDir) === t) : undefined;
  if (tuple) return [...tupleDirs, '/lib', '/usr/lib'];
  if (loaderDir && lib64.length && baseName(loaderDir) === 'lib64') return lib64;
  if (loaderDir) return ['/lib', '/usr/lib'];
  return [...tupleDirs, ...lib64, '/lib', '/usr/lib'];
}

/**
 * `$ORIGIN` (the directory of the object), `$LIB` and `$PLATFORM` in a DT_RPATH/DT_RUNPATH entry.
 * `$LIB` becomes each spelling glibc builds use; an entry with `$PLATFORM` is dropped (its value
 * depends on the CPU the container runs on).
 */
export function expandOrigin(entries: readonly string[], origin: string, arch: string): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    let dirs = [entry.replace(/\$(\{ORIGIN\}|ORIGIN)/g, origin)];
    if (/\$(\{PLATFORM\}|PLATFORM)/.test(entry)) continue;
    if (/\$(\{LIB\}|LIB)/.test(entry)) {
      const libs = [...multiarchTuples(arch).map((t) => `lib/${t}`), ...(usesLib64(arch) ? ['lib64'] : []), 'lib'];
      dirs = libs.map((lib) => (dirs[0] as string).replace(/\$(\{LIB\}|LIB)/g, lib));
    }
    // A relative entry is relative to the process's working directory, which images leave as /.
    out.push(...dirs.map((d) => normalizePath(d.startsWith('/') ? d : `/${d}`)));
  }
  return out;
}

async function readLdSoConf(walker: LayerWalker, file: string, seen: string[], depth: number): Promise<string[]> {
  if (depth > MAX_INCLUDE_DEPTH || seen.includes(file)) return [];
  const text = await readText(walker, file);
  if (text === undefined) return [];
  seen.push(file);
  const dirs: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '' || /^hwcap\s/.test(line)) continue;
    const include = /^include\s+(.+)$/.exec(line);
    if (include) {
      for (const pattern of (include[1] as string).split(/\s+/)) {
        for (const path of await expandInclude(walker, joinPath(parentOf(file), pattern))) dirs.push(...(await readLdSoConf(walker, path, seen, depth + 1)));
      }
      continue;
    }
    // ldconfig accepts directories separated by white space, commas or colons, each maybe `dir=TYPE`.
    dirs.push(...splitDirs(line.replace(/=\S*/g, '').replace(/[\s,]+/g, ':')));
  }
  return unique(dirs);
}

/** An include pattern's files, sorted as glob(3) returns them. */
async function expandInclude(walker: LayerWalker, pattern: string): Promise<string[]> {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const dir = parentOf(pattern);
  let glob;
  try {
    glob = compileGlob(pattern);
  } catch {
    return [];
  }
  const names = (await walker.listDir(dir)) ?? [];
  return names.map((n) => joinPath(dir, n)).filter((p) => glob.test(p));
}

async function readText(walker: LayerWalker, path: string): Promise<string | undefined> {
  const lookup = await walker.resolve(path);
  if (!lookup.found || lookup.file.kind !== 'file') return undefined;
  return lookup.file.head.toString('utf8');
}

function splitDirs(text: string): string[] {
  return text
    .split(':')
    .map((d) => d.trim())
    .filter((d) => d.startsWith('/'))
    .map(normalizePath);
}

function unique(dirs: string[]): string[] {
  return [...new Set(dirs)];
}
