/**
 * A rewrite never turns a green build red: a leg built from the cross-compile rewrite that fails
 * to build, or whose image fails verification (checked on its own layout, before anything is
 * pushed), is rebuilt once from the user's Dockerfile as written, under QEMU. A warning quotes the
 * rewrite's error, and the plan entry keeps both outcomes. `cross-compile: strict` fails instead.
 */
import { failedStepOutput, runLegs, type LegOutput, type LegRun } from '../build/legs.js';
import type { Io } from '../types/io.js';
import { OciLayout } from '../registry/layout.js';
import type { Config } from '../types/config.js';
import type { Plan, PlatformPlan } from '../types/plan.js';
import { verifyImage, type VerifyOptions } from '../verify/checks.js';
import { verifyOptionsFor } from '../verify/binaries/options.js';
import { setUpQemuFor } from './setup.js';

export interface FallbackContext {
  config: Config;
  io: Io;
  plan: Plan;
  /** The runs as built, in plan order; their args are rebuilt for the fallback. */
  runs: LegRun[];
  /** Rebuilds one leg's argv for another Dockerfile and plan entry. */
  argsFor: (platform: PlatformPlan, dockerfile: string) => string[];
}

/** Why a rewritten leg is not good enough; undefined when it is (or when it was not rewritten). */
export async function rewriteFailure(out: LegOutput, opts: VerifyOptions = { entrypoint: true }): Promise<string | undefined> {
  const p = out.built.platform;
  if (!p.rewrite) return undefined;
  if (!out.built.ok) {
    const said = failedStepOutput(out.log);
    return `${out.built.error ?? 'the build failed'}${said.length ? `: ${said.join(' | ')}` : ''}`;
  }
  try {
    const v = await verifyImage(await OciLayout.open(out.built.outDir), '', [p.platform], opts);
    if (v.ok) return undefined;
    const bad = v.platforms.flatMap((x) => x.checks.filter((c) => !c.ok && !c.skipped));
    return `verification failed: ${bad.map((c) => `${c.name}: expected ${c.expected}, got ${c.actual}`).join('; ')}`;
  } catch (err) {
    return `verification failed: ${(err as Error).message}`;
  }
}

/** The plan entry for the leg rebuilt as written, with both outcomes. */
export function asWrittenPlan(p: PlatformPlan, error: string): PlatformPlan {
  const { asWritten, ...rest } = p;
  return {
    ...rest,
    strategy: asWritten?.strategy ?? 'emulated',
    emulatedSteps: asWritten?.emulatedSteps ?? p.emulatedSteps,
    rewrite: null,
    fallback: { error, rewrite: p.rewrite! },
    reasons: [...p.reasons, `the cross-compile rewrite failed (${error}): rebuilt from the Dockerfile as written`]
  };
}

/** Each failed rewritten leg rebuilt as written (or failed, with `strict`); other legs untouched. */
export async function fallBackFromRewrites(ctx: FallbackContext, outputs: LegOutput[]): Promise<LegOutput[]> {
  const result = [...outputs];
  for (const [i, out] of outputs.entries()) {
    const error = await rewriteFailure(out, verifyOptionsFor(ctx.config));
    if (!error) continue;
    const p = out.built.platform;
    if (ctx.config.crossCompile === 'strict') {
      result[i] = { ...out, built: { ...out.built, ok: false, error: `the cross-compile rewrite failed and cross-compile is strict: ${error}` } };
      continue;
    }
    ctx.io.warning(`${p.platform}: the cross-compile rewrite failed (${error}); rebuilding that leg once from ${ctx.config.file} as written, under QEMU. Set cross-compile: off to skip the rewrite, or strict to fail instead.`);
    const fallbackPlan = asWrittenPlan(p, error);
    await setUpQemuFor(ctx.config, ctx.io, [p.platform]);
    const run = ctx.runs[i]!;
    const leg = { ...run.leg, platform: fallbackPlan };
    const [rebuilt] = await runLegs([{ ...run, leg, args: ctx.argsFor(fallbackPlan, ctx.config.file) }]);
    result[i] = rebuilt!;
    const entry = ctx.plan.platforms.findIndex((x) => x.platform === p.platform);
    if (entry >= 0) ctx.plan.platforms[entry] = fallbackPlan;
  }
  return result;
}
