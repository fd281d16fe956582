/**
 * `mode: plan`: the planner alone, no build. Its `matrix` output drives a workflow's leg jobs:
 * each platform on the runner that builds it natively, the rest on the default runner.
 */
import type { Io } from '../types/io.js';
import { logPlan, makePlan } from '../stages/plan.js';
import type { Config } from '../types/config.js';
import type { RunReport } from '../types/plan.js';
import { resolveMatrix, runnerNodes } from './matrix.js';

export async function runPlanMode(config: Config, io: Io, runDir: string, report: RunReport): Promise<void> {
  // The runners, not this machine, decide what is native: no Docker is needed to plan.
  const { nodes, hostPlatforms } = runnerNodes(config.runners, config.defaultRunner);
  report.plan = await io.group('Plan', async () => logPlan(io, await makePlan(config, hostPlatforms, runDir, nodes)));
  report.matrix = resolveMatrix(report.plan, config.runners, config.defaultRunner);
  report.tagged = { tags: config.tags, moved: false, reason: 'plan only: the legs build, the merge step moves the tags' };
  for (const e of report.matrix.include) io.info(`leg ${e.platform} runs on ${JSON.stringify(e.runner)}`);
}
