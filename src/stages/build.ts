/**
 * Plan → QEMU → builder → one buildx build per platform. Shared by the `all` mode (every
 * platform) and the `leg` mode (the one platform its runner builds).
 */
import * as path from 'node:path';
import { buildLegArgs, resolveLoadRef } from '../build/args.js';
import { cacheMountRun, restoreCacheMounts, saveCacheMounts } from '../cache/dance.js';
import { annotationFile, checkAnnotation, mergeCheckResults, readMetadataWarnings } from '../build/check-warnings.js';
import { writeSecretFiles } from '../build/secret-files.js';
import { runLegs, type LegRun } from '../build/legs.js';
import { resolveFilesDirName, resolveFilesRoot } from '../build/files.js';
import { isFilesOutput } from '../config/outputs.js';
import type { Io } from '../types/io.js';
import type { Config } from '../types/config.js';
import type { BuiltLeg, Leg, PlatformPlan, RunReport } from '../types/plan.js';
import { measureSavings } from '../plan/savings.js';
import { planOnBuilder } from './plan.js';
import { fallBackFromRewrites } from './rewrite-fallback.js';
import { setUpBuilder, setUpQemu } from './setup.js';

export interface BuildContext {
  runDir: string;
  runId: string;
}

/** Fills report.plan, report.legs and the logs of failed legs; a failed leg does not throw. */
export async function planAndBuild(config: Config, io: Io, ctx: BuildContext, report: RunReport): Promise<BuiltLeg[]> {
  const plan = await planOnBuilder(config, io, ctx.runDir);
  report.plan = plan;
  await setUpQemu(config, io, plan);
  const { builder, engine } = await setUpBuilder(config, io, plan, ctx.runId);
  report.engine = engine;
  // The report keeps the builder's facts; which platforms it lists is the plan's business.
  const { platforms: _listed, nativePlatforms: _native, ...builderFacts } = builder;
  report.builder = builderFacts;
  const mounts = config.cacheMounts.length
    ? await io.group('Restore cache mounts', () => restoreCacheMounts(cacheMountRun(config, builder.name, plan.platforms.map((p) => p.platform)), io))
    : undefined;

  const secretFiles = writeSecretFiles(config.secrets, path.join(ctx.runDir, 'secrets'));
  const hasFiles = config.exports.some(isFilesOutput);
  const legOf = (p: PlatformPlan): Leg => {
    const slug = p.platform.replace(/\//g, '-');
    return {
      platform: p,
      outDir: path.join(ctx.runDir, 'legs', slug),
      metadataFile: path.join(ctx.runDir, 'legs', `${slug}.metadata.json`),
      ...(hasFiles ? { filesDir: path.join(resolveFilesRoot(ctx.runDir), resolveFilesDirName(p.platform)) } : {})
    };
  };
  const loadRefOf = (p: PlatformPlan): string | undefined => (builder.legExport === 'docker-load' ? resolveLoadRef(ctx.runId, p.platform) : undefined);
  const argsFor = (p: PlatformPlan, dockerfile: string): string[] => {
    const { outDir, metadataFile, filesDir } = legOf(p);
    const loadRef = loadRefOf(p);
    return buildLegArgs({ config, platform: p, builder: builder.name, dockerfile, outDir, metadataFile, secretFiles, legExport: builder.legExport, ...(loadRef ? { loadRef } : {}), ...(filesDir ? { filesDir } : {}) });
  };
  const runs: LegRun[] = plan.platforms.map((p) => {
    const loadRef = loadRefOf(p);
    // Only a rewritten leg builds the rewritten copy: the others build the user's file as written
    // (the copy's CGO_ENABLED=0 and the like are for cross-compiling, not for a native leg).
    return { leg: legOf(p), args: argsFor(p, p.rewrite ? plan.dockerfile : config.file), ...(loadRef ? { loadRef } : {}) };
  });
  const outputs = await fallBackFromRewrites({ config, io, plan, runs, argsFor }, await runLegs(runs));
  for (const o of outputs) {
    await io.group(`Leg ${o.built.platform.platform} (${o.built.platform.strategy}) ${o.built.ok ? 'built' : 'FAILED'} in ${(o.built.durationMs / 1000).toFixed(1)} s`, async () => {
      io.info(o.log.trimEnd());
    });
    if (!o.built.ok) report.logs[o.built.platform.platform] = o.log;
  }
  report.legs = outputs.map((o) => o.built);
  // Leg times turn the plan's savings ratio into seconds (measured beside estimated).
  plan.platforms = measureSavings(plan.platforms, report.legs);
  if (config.checkAnnotations !== false) annotateCheckWarnings(config, io, report.legs, ctx.runDir);
  // Only a good build's mounts are worth keeping; saving never fails the run.
  if (mounts && outputs.every((o) => o.built.ok)) await io.group('Save cache mounts', () => saveCacheMounts(mounts, io));
  else mounts?.release?.();
  return report.legs;
}

/**
 * As BPA (DOCKER_BUILD_CHECKS_ANNOTATIONS): the build's Dockerfile check warnings on their lines,
 * each once for every platform that found it. A rewritten leg built a copy whose lines differ
 * from the user's: its warnings stay in its log. A fetched commit's Dockerfile is named by its
 * path in the repository, where the annotation belongs.
 */
function annotateCheckWarnings(config: Config, io: Io, legs: BuiltLeg[], runDir: string): void {
  const asWritten = legs.filter((l) => !l.platform.rewrite);
  const fetched = path.join(runDir, 'git-context');
  const file = config.gitContext && config.file.startsWith(fetched + path.sep) ? path.relative(fetched, config.file) : annotationFile(config.file);
  const { warnings } = mergeCheckResults(file, asWritten.map((l) => ({ platform: l.platform.platform, result: { warnings: readMetadataWarnings(l.metadataFile) } })));
  for (const w of warnings) io.warning(...checkAnnotation(w, asWritten.map((l) => l.platform.platform)));
}

/** The first failed leg's error, naming every failed platform; undefined when all built. */
export function legFailure(legs: BuiltLeg[]): string | undefined {
  const failed = legs.filter((l) => !l.ok);
  return failed.length ? `leg ${failed.map((l) => l.platform.platform).join(', ')} failed: ${failed[0]!.error}` : undefined;
}
