/**
 * Path arithmetic inside an image's root filesystem. Every path is absolute and normalised, and
 * `..` never climbs above `/`: a symlink to `../../etc` in an image points into the image, never
 * at the host, exactly as it does once the image is unpacked into its own root.
 */

/** `./usr//bin/` → `/usr/bin`; `..` at the root stays at the root. */
export function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return '/' + parts.join('/');
}

/** The directory holding `path`; the root is its own parent. */
export function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

/** The last component of `path` (empty for the root). */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Joins `name` onto `dir` unless `name` is already absolute. */
export function joinPath(dir: string, name: string): string {
  return normalizePath(name.startsWith('/') ? name : `${dir}/${name}`);
}

/** The proper ancestors of a normalised path, shallowest first, without the root: `/a/b/c` → `/a`, `/a/b`. */
export function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}

/** True when `ancestor` is a proper ancestor directory of `path`. */
export function isAncestor(ancestor: string, path: string): boolean {
  return ancestor === '/' ? path !== '/' : path.startsWith(ancestor + '/');
}

/** Where a symlink at `linkPath` with target `target` points: absolute targets start at the image root. */
export function resolveLinkTarget(linkPath: string, target: string): string {
  return joinPath(parentOf(linkPath), target);
}
