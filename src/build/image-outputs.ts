/**
 * `type=docker` and `type=oci,dest=FILE` outputs: the merged, verified image, loaded into the
 * Docker image store under its names or written as a tarball. Run after verification, like tags.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OciLayout } from '../registry/layout.js';
import type { ImageStore } from '../types/engine.js';
import type { OutputExport } from '../types/config.js';
import type { MergedIndex } from '../types/plan.js';
import { loadVerified, writeLayoutTar } from './load.js';
import { checkOutFile } from './out-dir.js';
import { tagLayout } from './publish.js';

export interface ImageOutputContext {
  layout: OciLayout;
  index: MergedIndex;
  /** The names the layout's index.json carries otherwise (the tags); put back after each output. */
  tags: string[];
  store: () => Promise<ImageStore | undefined>;
  platforms: string[];
  host: string;
  scratch: string;
}

/** Deliver one image output; returns what was done, for the log and the report. */
export async function writeImageOutput(e: Extract<OutputExport, { type: 'docker' | 'oci' }>, ctx: ImageOutputContext): Promise<string> {
  const names = e.type === 'oci' ? [...new Set([...ctx.tags, ...e.names])] : e.names;
  if (e.type === 'docker' && !e.dest) {
    const store = await ctx.store();
    const what = await loadVerified(ctx.layout, ctx.index, { store, platforms: ctx.platforms, host: ctx.host, tags: names, scratch: ctx.scratch, layoutTags: (t) => tagLayout(ctx.layout, ctx.index, t), restoreTags: ctx.tags });
    return `loaded into the Docker image store${names.length ? ` as ${names.join(', ')}` : ' (untagged)'}: ${what}`;
  }
  const file = e.dest!;
  // Checked again here, at the replacement: the file may have changed since the inputs were read.
  checkOutFile('outputs', file, file, {}, e.type === 'oci' ? 'type=oci,dest=FILE.tar' : 'type=docker,dest=FILE');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.multiarch-tmp`;
  await tagLayout(ctx.layout, ctx.index, names);
  try {
    await writeLayoutTar(ctx.layout.dir, tmp);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
    await tagLayout(ctx.layout, ctx.index, ctx.tags);
  }
  return `every platform (${ctx.platforms.join(', ')}) as an OCI tarball${names.length ? ` named ${names.join(', ')}` : ''} at ${file}`;
}
