/**
 * Config → Plan → legs → merged index → verification → tags → report. One pipeline for the
 * action and the CLI; they differ only in the Io they pass (logging, annotations, state).
 *
 * The `mode` input splits the same stages across jobs: `plan` stops after the plan and emits
 * the leg matrix, `leg` builds one platform and hands a record to `merge`, which composes,
 * verifies and tags. `all` runs plan + legs + merge in this one step.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LegHandoff } from './modes/handoff.js';
import { runCallMode } from './modes/call.js';
import { runLegMode } from './modes/leg.js';
import { runMergeMode } from './modes/merge.js';
import { runPlanMode } from './modes/plan.js';
import { legFailure, planAndBuild } from './stages/build.js';
import { fetchGitContext } from './stages/git-context.js';
import { mergeAndTag } from './stages/merge.js';
import type { Config } from './types/config.js';
import type { Io } from './types/io.js';
import type { RunReport } from './types/plan.js';

export { buildArgRecord, makePlan } from './stages/plan.js';
export { decideTagging } from './stages/merge.js';
export type { Io } from './types/io.js';

export interface RunOptions {
  runId: string;
  /** The channel between leg and merge jobs; required by those modes (the action passes artifacts). */
  handoff?: LegHandoff;
  /** The workflow run attempt (GITHUB_RUN_ATTEMPT), stamped on leg records. */
  attempt?: number;
}

/**
 * Run the step's mode. Never throws for a build or check failure: the report carries the error
 * so the caller can write the summary and outputs first, then fail.
 */
export async function runPipeline(config: Config, io: Io, opts: RunOptions): Promise<RunReport> {
  const started = Date.now();
  const runDir = path.join(config.tempDir, `multiarch-${opts.runId}`);
  const report: RunReport = { mode: config.mode, image: config.tags[0] ?? config.imageName, tags: config.tags, pushed: config.push, legs: [], logs: {}, durationMs: 0 };
  try {
    // No checkout: the run's commit is fetched here, once, before any mode reads the Dockerfile.
    // Merge reads only leg records, so it never fetches.
    if (config.mode !== 'merge') config = await fetchGitContext(config, io, runDir);
    // BPA's `call` (check, outline, targets): buildx evaluates the build; nothing is built.
    if (config.call && config.call !== 'build') await runCallMode(config, io, runDir, report);
    else if (config.mode === 'plan') await runPlanMode(config, io, runDir, report);
    else if (config.mode === 'leg') await runLegMode(config, io, { runDir, runId: opts.runId, handoff: requireHandoff(opts, 'leg'), attempt: opts.attempt ?? 1 }, report);
    else if (config.mode === 'merge') await runMergeMode(config, io, { runDir, runId: opts.runId, handoff: requireHandoff(opts, 'merge') }, report);
    else await runAll(config, io, runDir, opts, report);
  } catch (err) {
    report.error = (err as Error).message;
  } finally {
    fs.rmSync(path.join(runDir, 'secrets'), { recursive: true, force: true });
    report.durationMs = Date.now() - started;
  }
  return report;
}

/** `mode: all`: every leg here, then the same merge stage the `merge` mode runs. */
async function runAll(config: Config, io: Io, runDir: string, opts: RunOptions, report: RunReport): Promise<void> {
  const legs = await planAndBuild(config, io, { runDir, runId: opts.runId }, report);
  const failure = legFailure(legs);
  if (failure) throw new Error(failure);
  await mergeAndTag(config, io, report, { runDir, runId: opts.runId, legsPushed: false });
}

function requireHandoff(opts: RunOptions, mode: string): LegHandoff {
  if (!opts.handoff) throw new Error(`mode ${mode} hands leg records between jobs and runs only as the GitHub Action`);
  return opts.handoff;
}
