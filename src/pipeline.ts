/**
 * Config → Plan → legs → merged index → verification → tags → report. One pipeline for the
 * action and the CLI; they differ only in the Io they pass (logging, annotations, state).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildLegArgs } from './build/args.js';
import { runLegs, type LegRun } from './build/legs.js';
import { composeIndex, indexAnnotations } from './build/merge.js';
import { loadLayout, moveTags, pushByDigest, remoteSource, resolveDestinations, tagLayout, writeMergedLayout, type Destination } from './build/publish.js';
import { decide } from './plan/decide.js';
import type { OciLayout } from './registry/layout.js';
import type { ImageSource } from './registry/source.js';
import { buildxVersion, inspectBuilder } from './setup/buildx.js';
import { nativePlatformsOf, resolveBuilder } from './setup/builder.js';
import { decideQemu, installQemu, readBinfmt } from './setup/qemu.js';
import { hostPlatform } from './platform.js';
import type { Config } from './types/config.js';
import type { Leg, MergedIndex, Plan, RunReport, Tagged, Verification } from './types/plan.js';
import { exec } from './exec.js';
import { runSmoke } from './verify/smoke-run.js';
import { verifyImage } from './verify/checks.js';

/** The edges: how the pipeline talks to a runner or a terminal. */
export interface Io {
  info(message: string): void;
  warning(message: string, where?: { file: string; line: number }): void;
  /** Runs fn inside a collapsible log group (a runner) or under a heading (a terminal). */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  secret(value: string): void;
  /** Remembers a builder this run created, so cleanup can remove exactly that. */
  createdBuilder(name: string): void;
}

export interface RunOptions {
  runId: string;
}

/** Build the plan alone (`multiarch plan`, and the first stage of a run). */
export async function makePlan(config: Config, nativePlatforms: string[], runDir: string): Promise<Plan> {
  const plan = decide({
    dockerfileText: fs.readFileSync(config.file, 'utf8'),
    dockerfilePath: config.file,
    contextDir: config.context,
    platforms: config.platforms,
    target: config.target,
    buildArgs: buildArgRecord(config.buildArgs),
    nativePlatforms,
    crossCompile: config.crossCompile,
    image: config.imageName,
    cacheScopePrefix: config.cacheScopePrefix || undefined
  });
  // Annotations and the plan JSON name the Dockerfile relative to the workspace (the cwd on a
  // runner), which is what GitHub needs to put a warning on the right line of the right file.
  for (const w of plan.warnings) {
    const rel = path.relative(process.cwd(), w.file);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) w.file = rel;
  }
  if (plan.rewrittenText !== undefined) {
    // The user's Dockerfile is never touched; legs build from a rewritten copy.
    fs.mkdirSync(runDir, { recursive: true });
    const rewritten = path.join(runDir, 'Dockerfile.multiarch');
    fs.writeFileSync(rewritten, plan.rewrittenText);
    plan.dockerfile = rewritten;
  }
  return plan;
}

export function buildArgRecord(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const i = a.indexOf('=');
    if (i > 0) out[a.slice(0, i)] = a.slice(i + 1);
    else if (process.env[a] !== undefined) out[a] = process.env[a]!;
  }
  return out;
}

/**
 * Run everything. Never throws for a build or check failure: the report carries the error so
 * the caller can write the summary and outputs first, then fail.
 */
export async function runPipeline(config: Config, io: Io, opts: RunOptions): Promise<RunReport> {
  const started = Date.now();
  const runDir = path.join(config.tempDir, `multiarch-${opts.runId}`);
  const report: RunReport = { image: config.tags[0] ?? config.imageName, tags: config.tags, pushed: config.push, legs: [], logs: {}, durationMs: 0 };
  try {
    await runStages(config, io, runDir, opts, report);
  } catch (err) {
    report.error = (err as Error).message;
  } finally {
    fs.rmSync(path.join(runDir, 'secrets'), { recursive: true, force: true });
    report.durationMs = Date.now() - started;
  }
  return report;
}

async function runStages(config: Config, io: Io, runDir: string, opts: RunOptions, report: RunReport): Promise<void> {
  const version = await buildxVersion();
  io.info(`buildx ${version}`);
  const current = await inspectBuilder(config.builder);
  const nativePlatforms = current ? nativePlatformsOf(current) : [hostPlatform()];

  const plan = await io.group('Plan', async () => {
    const p = await makePlan(config, nativePlatforms, runDir);
    for (const pp of p.platforms) io.info(`${pp.platform}: ${pp.strategy}${pp.language !== 'unknown' ? ` (${pp.language})` : ''} — ${pp.reasons.join('; ')}`);
    for (const w of p.warnings) io.warning(w.hint ? `${w.message} ${w.hint}` : w.message, { file: w.file, line: w.line });
    return p;
  });
  report.plan = plan;

  await io.group('QEMU', async () => {
    const nonNative = plan.platforms.filter((p) => p.strategy !== 'native').map((p) => p.platform);
    const q = decideQemu(config.qemu, plan.qemu, nonNative, readBinfmt());
    if (q.registered.length) io.info(`already registered: ${q.registered.join(', ')}`);
    if (q.missing.length) io.warning(`qemu is "never" but ${q.missing.join(', ')} needs emulation; those legs will likely fail with "exec format error"`);
    if (q.install.length) {
      io.info(`installing handlers for ${q.install.join(', ')} from ${config.qemuImage}`);
      await installQemu(config.qemuImage, q.install);
    }
    if (!plan.qemu.length && config.qemu !== 'always') io.info('no platform needs QEMU');
  });

  const builder = await io.group('Builder', async () => {
    const b = await resolveBuilder({ driver: config.driver, builder: config.builder, platforms: plan.qemu, runId: opts.runId, onCreated: (name) => io.createdBuilder(name) });
    io.info(`${b.created ? 'created' : 'using'} builder ${b.name} (${b.driver}): ${b.platforms.join(', ')}`);
    return b;
  });

  const secretFiles = writeSecretFiles(config, path.join(runDir, 'secrets'));
  const runs: LegRun[] = plan.platforms.map((p) => {
    const slug = p.platform.replace(/\//g, '-');
    const leg: Leg = { platform: p, outDir: path.join(runDir, 'legs', slug), metadataFile: path.join(runDir, 'legs', `${slug}.metadata.json`) };
    return { leg, args: buildLegArgs({ config, platform: p, builder: builder.name, dockerfile: plan.dockerfile, outDir: leg.outDir, metadataFile: leg.metadataFile, secretFiles }) };
  });
  const outputs = await runLegs(runs);
  for (const o of outputs) {
    await io.group(`Leg ${o.built.platform.platform} (${o.built.platform.strategy}) ${o.built.ok ? 'built' : 'FAILED'} in ${(o.built.durationMs / 1000).toFixed(1)} s`, async () => {
      io.info(o.log.trimEnd());
    });
    if (!o.built.ok) report.logs[o.built.platform.platform] = o.log;
  }
  report.legs = outputs.map((o) => o.built);
  const failed = report.legs.filter((l) => !l.ok);
  if (failed.length) {
    throw new Error(`leg ${failed.map((l) => l.platform.platform).join(', ')} failed: ${failed[0]!.error}`);
  }

  const index = composeIndex(report.legs, indexAnnotations(config.annotations));
  report.index = index;

  let source: ImageSource;
  let dests: Destination[] = [];
  let layout: OciLayout | undefined;
  if (config.push) {
    dests = await resolveDestinations(config.tags, (v) => io.secret(v));
    await io.group('Push by digest', async () => {
      const stats = await pushByDigest(report.legs, index, dests);
      const pushed = stats.reduce((n, s) => n + s.blobsPushed, 0);
      const skipped = stats.reduce((n, s) => n + s.blobsSkipped + s.blobsMounted, 0);
      io.info(`index ${index.digest}: ${pushed} blobs uploaded, ${skipped} already present or mounted`);
    });
    source = remoteSource(dests[0]!);
    // load needs the image on disk too; the registry stays the source the checks read.
    if (config.load) layout = await writeMergedLayout(report.legs, index, path.join(runDir, 'merged'));
  } else {
    layout = await writeMergedLayout(report.legs, index, config.outDir);
    report.layout = config.outDir;
    source = layout;
  }

  report.verification = await io.group('Verify', async () => verify(config, source, index.digest));
  if (config.smoke && report.verification) {
    const v = report.verification;
    await io.group('Smoke test', async () => {
      const image = config.push ? `${dests[0]!.client.registry}/${dests[0]!.repo}@${index.digest}` : await loadForSmoke(layout!, index, runDir, opts.runId);
      try {
        for (const p of v.platforms) {
          const check = await runSmoke(image, p.platform, { ...config.smoke!, network: config.network }, config.push ? 'missing' : 'never');
          io.info(`${p.platform}: ${check.ok ? 'ok' : 'FAILED'}: ${check.actual ?? ''}`);
          p.checks.push(check);
          p.ok = p.ok && check.ok;
        }
        v.ok = v.platforms.every((p) => p.ok) && v.extra.length === 0;
      } finally {
        if (!config.push) await exec('docker', ['image', 'rm', image]);
      }
    });
  }
  report.tagged = await io.group('Tag', async () => {
    const t = decideTagging(config, report.verification);
    if (!t.moved) {
      io.info(t.reason ?? 'no tags moved');
      return t;
    }
    if (config.push) await moveTags(index, dests);
    if (layout) await tagLayout(layout, index, config.tags);
    if (config.load && layout) {
      await loadLayout(layout.dir, path.join(runDir, 'load.tar'));
      io.info(`loaded into the Docker image store${config.tags.length ? ` as ${config.tags.join(', ')}` : ' (untagged)'}`);
    }
    if (t.reason) io.warning(t.reason);
    io.info(`tagged ${t.tags.join(', ') || '(layout only)'}`);
    return t;
  });
  if (report.verification && !report.verification.ok && config.verify === 'strict') {
    const bad = report.verification.platforms.filter((p) => !p.ok);
    const first = bad[0]?.checks.find((c) => !c.ok && !c.skipped);
    throw new Error(`verification failed for ${bad.map((p) => p.platform).join(', ') || 'the index'}${first ? `: ${first.name}: expected ${first.expected}, got ${first.actual}` : ''}; no tag moved`);
  }
}

async function verify(config: Config, source: ImageSource, digest: string): Promise<Verification | undefined> {
  if (config.verify === 'off') return undefined;
  return verifyImage(source, digest, config.platforms, { entrypoint: true });
}

/** The layout has no registry to run from: load it under a throwaway name for the smoke test. */
async function loadForSmoke(layout: OciLayout, index: MergedIndex, runDir: string, runId: string): Promise<string> {
  const name = `multiarch-smoke/${runId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}:check`;
  await tagLayout(layout, index, [name]);
  await loadLayout(layout.dir, path.join(runDir, 'smoke.tar'));
  await tagLayout(layout, index, []);
  return name;
}

/** Pure: tags move when every check passed, or when the user asked to tag anyway. */
export function decideTagging(config: Config, v: Verification | undefined): Tagged {
  if (!v || v.ok) return { tags: config.tags, moved: true };
  if (config.verify === 'warn') return { tags: config.tags, moved: true, reason: 'verification failed but verify is "warn": tags moved anyway' };
  return { tags: config.tags, moved: false, reason: 'verification failed: no tag moved (verify: strict)' };
}

/** Secrets given by value go to private files for --secret src=…, removed when the run ends. */
function writeSecretFiles(config: Config, dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of config.secrets) {
    if (s.kind !== 'value') continue;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, s.id.replace(/[^A-Za-z0-9_.-]/g, '_'));
    fs.writeFileSync(file, s.value, { mode: 0o600 });
    out[s.id] = file;
  }
  return out;
}
