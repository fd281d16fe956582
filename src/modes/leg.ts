/**
 * `mode: leg`: build one platform on this runner, push it by digest to every tag's repository,
 * and hand a leg record to the merge job. A failed leg still hands off its record (ok=false and
 * the error), so merge can say which leg failed and why; then the step fails.
 */
import { pushLegs, resolveDestinations } from '../build/publish.js';
import type { Io } from '../types/io.js';
import { legFailure, planAndBuild, type BuildContext } from '../stages/build.js';
import type { Config } from '../types/config.js';
import type { RunReport } from '../types/plan.js';
import type { LegHandoff } from './handoff.js';
import { repositoryKeys, toLegRecord } from './record.js';

export interface LegModeContext extends BuildContext {
  handoff: LegHandoff;
  /** GITHUB_RUN_ATTEMPT. */
  attempt: number;
}

export async function runLegMode(config: Config, io: Io, ctx: LegModeContext, report: RunReport): Promise<void> {
  const startedAt = Date.now();
  let error: string | undefined;
  let repositories: string[] = [];
  try {
    const legs = await planAndBuild(config, io, ctx, report);
    error = legFailure(legs);
    if (!error) {
      const dests = await resolveDestinations(config.tags, (v) => io.secret(v));
      await io.group('Push by digest', async () => {
        const stats = await pushLegs(legs, dests);
        const pushed = stats.reduce((n, s) => n + s.blobsPushed, 0);
        io.info(`${legs[0]!.digest} → ${repositoryKeys(config.tags).join(', ')}: ${pushed} blobs uploaded`);
      });
      repositories = repositoryKeys(config.tags);
    }
  } catch (err) {
    error = (err as Error).message;
  }
  report.tagged = { tags: config.tags, moved: false, reason: 'a leg pushes by digest only: the merge step moves the tags' };

  const record = toLegRecord(report, { image: config.tags[0]!, platform: config.platforms[0]!, attempt: ctx.attempt, repositories, startedAt, error });
  let handoffError: string | undefined;
  await io.group('Hand off to merge', async () => {
    try {
      const name = await ctx.handoff.publish(record);
      io.info(`leg record ${name}: ${record.ok ? record.manifest!.digest : `failed: ${record.error}`}`);
    } catch (err) {
      handoffError = `the leg record could not be handed off to merge: ${(err as Error).message}`;
    }
  });
  const failure = [error, handoffError].filter(Boolean).join('; ');
  if (failure) throw new Error(failure);
}
