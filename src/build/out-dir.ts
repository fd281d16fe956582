/**
 * Where the action may write an output. A directory output (the merged OCI layout, the build's
 * files) replaces the whole directory, so a destination is refused unless replacing it can only
 * remove what an earlier run wrote: a new or empty directory, or an earlier output of the same
 * kind (an OCI layout; a directory of platform directories). A file output replaces one file: a
 * new file, an empty one or a tar archive, never a directory, a symlink or a source file. The
 * workspace, the context, an ancestor of either, $HOME and / are refused whatever they hold.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../input-error.js';

/** The directories a destination must never be, nor contain. */
export interface OutDirGuard {
  workspace?: string;
  context?: string;
  /** Defaults to os.homedir(). */
  home?: string;
}

/** What an existing, non-empty directory must be to be replaced: an OCI layout, or the build's files. */
export type OutDirKind = 'oci-layout' | 'platform-dirs';

/** Why `dir` must not be replaced, as "is …" / "contains …"; undefined when it may be. */
export function refuseOutDir(dir: string, guard: OutDirGuard = {}, kind: OutDirKind = 'oci-layout'): string | undefined {
  const why = refuseProtected(dir, guard);
  if (why) return why;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return undefined; // nothing there yet
  }
  if (!stat.isDirectory()) return 'is a file, not a directory';
  const entries = fs.readdirSync(dir);
  if (entries.length === 0) return undefined;
  if (kind === 'oci-layout' && !entries.includes('oci-layout')) return 'is a non-empty directory that is not an OCI layout (no oci-layout file)';
  if (kind === 'platform-dirs' && !entries.every((e) => isPlatformDir(path.join(dir, e)))) return 'is a non-empty directory that is not an earlier output (one directory per platform, e.g. linux_amd64)';
  return undefined;
}

/** Why `file` must not be replaced; undefined when it may be (new, empty, or a tar archive). */
export function refuseOutFile(file: string, guard: OutDirGuard = {}): string | undefined {
  const why = refuseProtected(file, guard);
  if (why) return why;
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return undefined;
  }
  if (stat.isDirectory()) return 'is a directory, not a file';
  if (!stat.isFile()) return 'is not a regular file';
  if (stat.size > 0 && !isTar(file)) return 'is a file that is not a tar archive';
  return undefined;
}

/** A directory a platform's files went to: `os_arch` or `os_arch_variant`, as buildx names them. */
function isPlatformDir(p: string): boolean {
  return /^[a-z0-9]+_[a-z0-9]+(_[a-z0-9.]+)?$/.test(path.basename(p)) && fs.lstatSync(p).isDirectory();
}

/** POSIX and GNU tar both write `ustar` at offset 257 of the first header. */
function isTar(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(5);
    return fs.readSync(fd, buf, 0, 5, 257) === 5 && buf.toString('latin1') === 'ustar';
  } finally {
    fs.closeSync(fd);
  }
}

function refuseProtected(dir: string, guard: OutDirGuard): string | undefined {
  const target = canonical(dir);
  if (target === path.parse(target).root) return 'is the filesystem root /';
  const protectedDirs: Array<[string | undefined, string]> = [
    [guard.workspace, 'the workspace'],
    [guard.context, 'the build context'],
    [guard.home ?? os.homedir(), '$HOME']
  ];
  for (const [p, what] of protectedDirs) {
    if (!p) continue;
    const other = canonical(p);
    if (other === target) return `is ${what}`;
    if (other.startsWith(target.endsWith(path.sep) ? target : target + path.sep)) return `contains ${what}`;
  }
  return undefined;
}

/** refuseOutDir as an InputError naming the input (or flag) and the form it expects. */
export function checkOutDir(input: string, given: string, dir: string, guard: OutDirGuard = {}, form = 'type=oci,dest=DIR'): void {
  const why = refuseOutDir(dir, guard);
  if (!why) return;
  throw new InputError(
    input,
    `"${given}" ${why}; multiarch replaces the whole directory with the image's OCI layout (expected ${form}, DIR a new or empty directory or an existing OCI layout, and not the workspace, the context, an ancestor of either, $HOME or /)`
  );
}

/** refuseOutDir for the build's files (type=local): one directory per platform. */
export function checkFilesDir(input: string, given: string, dir: string, guard: OutDirGuard = {}): void {
  const why = refuseOutDir(dir, guard, 'platform-dirs');
  if (!why) return;
  throw new InputError(
    input,
    `"${given}" ${why}; multiarch replaces the whole directory with the build's files, one directory per platform (expected type=local,dest=DIR, DIR a new or empty directory or an earlier type=local output, and not the workspace, the context, an ancestor of either, $HOME or /)`
  );
}

/** refuseOutFile as an InputError: `form` is the output's expected form, e.g. type=tar,dest=FILE. */
export function checkOutFile(input: string, given: string, file: string, guard: OutDirGuard = {}, form: string): void {
  const why = refuseOutFile(file, guard);
  if (!why) return;
  throw new InputError(input, `"${given}" ${why}; multiarch replaces the file with a tar archive (expected ${form}, FILE a new or empty file or an earlier tar archive, not a directory, a symlink or the workspace)`);
}

/**
 * The real path, so a symlink or `..` cannot dodge the comparison; for a path not yet created,
 * the real path of its nearest existing parent plus the rest.
 */
function canonical(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync.native(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(canonical(parent), path.basename(abs));
  }
}
