/**
 * The one place the planner touches the file system: a bounded walk of the build context.
 * Everything else takes a `ContextFiles`, so tests (and stdin builds) inject a map instead.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Files of the build context, as relative POSIX paths. */
export interface ContextFiles {
  paths: readonly string[];
  /** Contents, or undefined when missing, unreadable or too large. */
  read(path: string): string | undefined;
  /** False when the walk stopped at a limit, so "no such file" proves nothing. */
  complete: boolean;
}

/** Bounds of the walk: contexts can be whole monorepos. */
export interface WalkLimits {
  maxDepth: number;
  maxFiles: number;
  maxFileBytes: number;
}

// GOPATH and vendor trees nest deep (src/golang.org/x/sys/unix/…); the file count bounds the walk.
const DEFAULT_LIMITS: WalkLimits = { maxDepth: 12, maxFiles: 5000, maxFileBytes: 1 << 20 };

/** Directories that never hold the project's own sources and can be huge. */
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '.venv', 'venv', '__pycache__', 'target', '.gradle', '.idea', '.cache', 'zig-cache', '.zig-cache', 'zig-out']);

/** Context files from a map (tests, or contents already in memory). */
export function contextFromMap(files: Readonly<Record<string, string>>): ContextFiles {
  return { paths: Object.keys(files), read: (p) => files[p], complete: true };
}

/** Walk `dir` breadth-first within `limits`; files are read lazily. */
export function readContextFiles(dir: string, limits: Partial<WalkLimits> = {}): ContextFiles {
  const { maxDepth, maxFiles, maxFileBytes } = { ...DEFAULT_LIMITS, ...limits };
  const paths: string[] = [];
  let complete = true;
  let level: string[] = [''];
  for (let depth = 0; level.length && complete; depth++) {
    const next: string[] = [];
    for (const rel of level) {
      let entries;
      try {
        entries = readdirSync(join(dir, rel), { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const path = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory() && !SKIP_DIRS.has(entry.name)) {
          if (depth + 1 < maxDepth) next.push(path);
          else complete = false;
        } else if (entry.isFile()) {
          if (paths.length >= maxFiles) complete = false;
          else paths.push(path);
        }
        // Symlinks are not followed: they may leave the context or loop.
      }
    }
    level = next;
  }
  const read = (path: string) => {
    try {
      const full = join(dir, path);
      if (lstatSync(full).size > maxFileBytes) return undefined;
      return readFileSync(full, 'utf8');
    } catch {
      return undefined;
    }
  };
  return { paths, read, complete };
}
