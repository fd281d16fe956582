/**
 * `type=local` and `type=tar` outputs: the build's files, not an image. Each leg exports its
 * platform's files beside its layout (a second --output); here they are laid out as buildx lays
 * out a multi-platform build, one directory per platform (`linux_arm64/…`), in a directory or a
 * tar. Always per platform, even for one: the shape does not change with the platform list, and
 * the deletion guard can tell an earlier output from anything else.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execOk } from '../exec.js';
import type { OutputExport } from '../types/config.js';
import { checkFilesDir, checkOutFile } from './out-dir.js';

/** Where the legs of a run export their files, one directory per platform. */
export function resolveFilesRoot(runDir: string): string {
  return path.join(runDir, 'files');
}

/** `linux/arm/v7` → `linux_arm_v7`, buildx's directory name for a platform's files. */
export function resolveFilesDirName(platform: string): string {
  return platform.replace(/\//g, '_');
}

/** Write one files output from `root/<platform dir>`; returns what was written, for the report. */
export async function writeFilesOutput(e: Extract<OutputExport, { type: 'local' | 'tar' }>, root: string, platforms: string[]): Promise<string> {
  const dirs = platforms.map(resolveFilesDirName);
  for (const d of dirs) if (!fs.existsSync(path.join(root, d))) throw new Error(`the ${d} leg exported no files to ${path.join(root, d)}`);
  if (e.type === 'local') {
    // Checked again here, at the deletion: the directory may have changed since the inputs were read.
    checkFilesDir('outputs', e.dest, e.dest);
    fs.rmSync(e.dest, { recursive: true, force: true });
    fs.mkdirSync(e.dest, { recursive: true });
    // cp -a keeps what the image's files are: symlinks as links, modes, times.
    for (const d of dirs) await execOk('cp', ['-a', path.join(root, d), path.join(e.dest, d)]);
    return `${dirs.map((d) => `${d}/`).join(', ')} in ${e.dest}`;
  }
  checkOutFile('outputs', e.dest, e.dest, {}, 'type=tar,dest=FILE');
  fs.mkdirSync(path.dirname(e.dest), { recursive: true });
  const tmp = `${e.dest}.multiarch-tmp`;
  try {
    await execOk('tar', ['-cf', tmp, '-C', root, ...dirs]);
    fs.renameSync(tmp, e.dest);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return `${dirs.map((d) => `${d}/`).join(', ')} in ${e.dest}`;
}
