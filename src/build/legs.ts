/**
 * Run one buildx build per platform. Each leg exports an OCI layout; results come from the
 * layout and --metadata-file, never from parsing build output.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exec } from '../exec.js';
import { AnnotationRefName, isAttestation, isIndexMediaType, type Descriptor, type ImageIndex } from '../types/oci.js';
import type { BuiltLeg, CacheStats, Leg } from '../types/plan.js';
import { removeLoadedImage, saveLoadedImage } from './docker-save.js';
import { readBuildRef } from './history.js';
import { readLegLayoutIndex } from './layout-index.js';

export interface LegRun {
  leg: Leg;
  args: string[];
  /** Set for a docker-load leg: the temporary engine reference to read back, then remove. */
  loadRef?: string;
}

export interface LegOutput {
  built: BuiltLeg;
  log: string;
}

/** Legs run concurrently: BuildKit schedules them, and the timeline shows the overlap. */
export async function runLegs(runs: LegRun[], env?: Record<string, string>): Promise<LegOutput[]> {
  return Promise.all(runs.map((r) => runLeg(r, env)));
}

async function runLeg(run: LegRun, env?: Record<string, string>): Promise<LegOutput> {
  if (!run.loadRef) return buildLeg(run, env);
  try {
    return await buildLeg(run, env);
  } finally {
    await removeLoadedImage(run.loadRef);
  }
}

async function buildLeg({ leg, args, loadRef }: LegRun, env?: Record<string, string>): Promise<LegOutput> {
  fs.rmSync(leg.outDir, { recursive: true, force: true });
  // A rebuilt leg (the rewrite's fallback) must not report the first attempt's build reference.
  fs.rmSync(leg.metadataFile, { force: true });
  fs.mkdirSync(path.dirname(leg.outDir), { recursive: true });
  const startedAt = Date.now();
  // BUILDX_METADATA_WARNINGS: buildx writes the build's check warnings to the metadata file (as BPA asks).
  const res = await exec('docker', args, { env: { ...(process.env as Record<string, string>), ...env, BUILDKIT_PROGRESS: 'plain', BUILDX_METADATA_WARNINGS: 'true' } });
  const durationMs = Date.now() - startedAt;
  let log = res.stderr + res.stdout;
  const buildRef = readBuildRef(leg.metadataFile);
  const base: BuiltLeg = { ...leg, ok: false, attestations: [], startedAt, durationMs, cache: countCacheSteps(log), ...(buildRef ? { buildRef } : {}) };
  if (res.code !== 0) {
    return { built: { ...base, error: firstError(log) }, log };
  }
  try {
    if (loadRef) {
      const saved = await saveLoadedImage(loadRef, leg.outDir, `${leg.outDir}.save`);
      log += `\nread back ${loadRef} with docker image save: ${saved.layers} layers` + (saved.compressed ? `, ${saved.compressed} handed over uncompressed and gzipped here (${formatMiB(saved.uncompressedBytes)} → ${formatMiB(saved.compressedBytes)})` : '') + '\n';
    }
    const { manifest, attestations, compressedSize } = await readLegResult(leg.outDir);
    return { built: { ...base, ok: true, digest: manifest.digest, manifest, attestations, compressedSize }, log };
  } catch (err) {
    return { built: { ...base, error: `${loadRef ? `reading ${loadRef} back from the engine` : "reading the leg's OCI layout"}: ${(err as Error).message}` }, log };
  }
}

/** The platform manifest and its attestation manifests, from the leg's layout. */
export async function readLegResult(outDir: string): Promise<{ manifest: Descriptor; attestations: Descriptor[]; compressedSize: number }> {
  const { root, read } = readLegLayoutIndex(outDir);
  let children: Descriptor[] = [root];
  if (isIndexMediaType(root.mediaType)) {
    const idx = JSON.parse(read(root.digest).toString('utf8')) as ImageIndex;
    children = idx.manifests;
  }
  const images = children.filter((d) => !isAttestation(d));
  if (images.length !== 1) throw new Error(`expected one platform manifest, found ${images.length}`);
  const manifest = withoutLayoutNames(images[0]!);
  const body = JSON.parse(read(manifest.digest).toString('utf8')) as { config: Descriptor; layers: Descriptor[] };
  const compressedSize = manifest.size + body.config.size + body.layers.reduce((n, l) => n + l.size, 0);
  return { manifest, attestations: children.filter(isAttestation), compressedSize };
}

/** Names an OCI layout gives its own entries: meaningless (and misleading) inside a pushed index. */
const LAYOUT_NAMES = [AnnotationRefName, 'io.containerd.image.name'];

/** The descriptor without the layout's names; the user's manifest-descriptor annotations stay. */
function withoutLayoutNames(d: Descriptor): Descriptor {
  if (!d.annotations || !LAYOUT_NAMES.some((k) => k in d.annotations!)) return d;
  const annotations = Object.fromEntries(Object.entries(d.annotations).filter(([k]) => !LAYOUT_NAMES.includes(k)));
  const { annotations: _dropped, ...rest } = d;
  return Object.keys(annotations).length ? { ...rest, annotations } : rest;
}

/** BuildKit's plain progress prints `#N CACHED` for each step it reused. */
export function countCacheSteps(log: string): CacheStats {
  const steps = new Set<string>();
  const cached = new Set<string>();
  for (const line of log.split('\n')) {
    const m = /^#(\d+) \[[^\]]*\] /.exec(line);
    if (m) steps.add(m[1]!);
    const c = /^#(\d+) CACHED\s*$/.exec(line);
    if (c) cached.add(c[1]!);
  }
  return { steps: steps.size, cached: [...cached].filter((s) => steps.has(s)).length };
}

/** The first line that explains the failure, for the summary; the whole log goes in <details>. */
export function firstError(log: string): string {
  const lines = log.split('\n');
  const err = lines.find((l) => /^ERROR:|^error:|failed to solve/i.test(l.trim()));
  return (err ?? lines.filter((l) => l.trim()).slice(-1)[0] ?? 'build failed').trim();
}

function formatMiB(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * What the failed step printed last (the compiler's error, usually), from BuildKit's plain
 * progress: the step that logged `#N ERROR` and its `#N <seconds> <text>` lines. Empty when the
 * log names no failed step.
 */
export function failedStepOutput(log: string, lines = 3): string[] {
  const failed = /^#(\d+) ERROR:/m.exec(log)?.[1];
  if (!failed) return [];
  const said = new RegExp(`^#${failed} \\d+(?:\\.\\d+)? (.*)$`);
  const out: string[] = [];
  for (const line of log.split('\n')) {
    const m = said.exec(line);
    if (m && m[1]!.trim()) out.push(m[1]!.trim());
  }
  return out.slice(-lines);
}
