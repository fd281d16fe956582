/**
 * `mode: merge`: gather every leg's record, and only when each expected platform has a leg that
 * succeeded, compose the index from their descriptors, PUT it by digest, verify it and move the
 * tags, as the `all` mode does. A missing or failed leg fails the step by name; no tag moves.
 */
import type { Io } from '../types/io.js';
import { mergeAndTag } from '../stages/merge.js';
import { setUpQemuToRun } from '../stages/setup.js';
import type { Config } from '../types/config.js';
import type { LegRecord } from '../types/leg-record.js';
import type { BuiltLeg, RunReport } from '../types/plan.js';
import { checkLegs, describeLegProblems, hasProblems } from './gather.js';
import type { LegHandoff } from './handoff.js';
import { planFromRecords, repositoryKeys, toBuiltLeg } from './record.js';

export interface MergeModeContext {
  runDir: string;
  runId: string;
  handoff: LegHandoff;
}

export async function runMergeMode(config: Config, io: Io, ctx: MergeModeContext, report: RunReport): Promise<void> {
  const collected = await io.group('Gather legs', async () => {
    const c = await ctx.handoff.collect(config.platforms);
    for (const p of config.platforms) {
      const r = c.records.get(p);
      const why = c.unreadable.get(p);
      io.info(`${p}: ${why ? `unreadable: ${why}` : !r ? 'no leg record' : r.ok ? `${r.manifest!.digest} (${r.strategy ?? 'unplanned'}, attempt ${r.attempt})` : `failed: ${r.error}`}`);
    }
    for (const name of c.ignored) io.warning(`leg record ${name} matches no platform in "platforms": ignored`);
    return c;
  });
  const records = config.platforms.map((p) => collected.records.get(p)).filter((r): r is LegRecord => !!r);
  report.plan = planFromRecords(records, config.file);
  report.legs = records.map(toBuiltLeg).filter((l): l is BuiltLeg => !!l);
  for (const r of records) if (!r.ok && r.logTail) report.logs[r.platform] = r.logTail;

  const problems = checkLegs(config.platforms, collected.records, repositoryKeys(config.tags), collected.unreadable);
  if (hasProblems(problems)) {
    report.tagged = { tags: config.tags, moved: false, reason: 'a leg is missing or failed: no tag moved' };
    throw new Error(`${describeLegProblems(problems)}; no tag moved`);
  }
  // The legs ran on their own runners; this one runs every platform's image for the smoke test.
  if (config.smoke) await setUpQemuToRun(config, io, config.platforms);
  await mergeAndTag(config, io, report, { runDir: ctx.runDir, runId: ctx.runId, legsPushed: true });
}
