/**
 * Where the merged OCI layout may be written. writeMergedLayout replaces the whole directory, so
 * a destination is refused unless replacing it can only remove what an earlier run wrote: a new
 * or empty directory, or an OCI layout. The workspace, the context, an ancestor of either, $HOME
 * and / are refused even when they happen to hold an `oci-layout` file.
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

/** Why `dir` must not be replaced, as "is …" / "contains …"; undefined when it may be. */
export function refuseOutDir(dir: string, guard: OutDirGuard = {}): string | undefined {
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
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return undefined; // nothing there yet
  }
  if (!stat.isDirectory()) return 'is a file, not a directory';
  if (fs.readdirSync(dir).length > 0 && !fs.existsSync(path.join(dir, 'oci-layout'))) return 'is a non-empty directory that is not an OCI layout (no oci-layout file)';
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
