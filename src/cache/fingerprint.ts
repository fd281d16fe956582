/**
 * What a cache mount directory holds, cheaply: file count, bytes, and a fingerprint of every
 * file's path, size, mode and mtime (not its bytes: a go-build cache holds thousands of files).
 * tar and BuildKit's local exporter both keep mtimes, so a mount the build left alone comes back
 * with the fingerprint it was restored with, and is not saved again.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TreeSummary {
  /** Regular files and symlinks (directories are not counted: their mtimes change on every copy). */
  files: number;
  bytes: number;
  /** 16 hex digits; the same for an empty and a missing directory. */
  fingerprint: string;
}

/** What an empty (or missing) directory summarises to. */
export const EMPTY_TREE: TreeSummary = { files: 0, bytes: 0, fingerprint: createHash('sha256').digest('hex').slice(0, 16) };

export function summarizeTree(root: string): TreeSummary {
  const entries: string[] = [];
  let bytes = 0;
  const walk = (dir: string): void => {
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const d of names) {
      const full = path.join(dir, d.name);
      if (d.isDirectory()) {
        walk(full);
        continue;
      }
      const st = fs.lstatSync(full);
      const rel = path.relative(root, full).split(path.sep).join('/');
      const target = d.isSymbolicLink() ? fs.readlinkSync(full) : '';
      entries.push(`${rel}\0${st.size}\0${(st.mode & 0o7777).toString(8)}\0${Math.floor(st.mtimeMs)}\0${target}`);
      bytes += st.size;
    }
  };
  walk(root);
  entries.sort();
  const hash = createHash('sha256');
  for (const e of entries) hash.update(e).update('\n');
  return { files: entries.length, bytes, fingerprint: hash.digest('hex').slice(0, 16) };
}
