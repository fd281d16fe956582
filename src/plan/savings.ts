/**
 * What cross-compiling saves on each platform whose Dockerfile, as written, compiles under QEMU:
 * the time of the emulated build against a cross one. Before the build only the ratio is known,
 * from what this project measured (named with its source); after it, the leg times of this run
 * give seconds: measured for the kind that ran, estimated for the other, from this run's other
 * legs when both kinds ran, else from the measured ratio.
 */
import type { BuiltLeg, PlatformPlan, Savings } from '../types/plan.js';
import type { LegAnalysis } from './execution.js';

/** Emulated ÷ cross, as measured by bench/strategy.mjs; a test keeps these in step with bench/results/strategy.json. */
export const MEASURED_RATIOS: Readonly<Record<string, { ratio: number; source: string }>> = {
  go: {
    ratio: 3.8,
    source: 'measured by this project (bench/results/strategy.md, 2026-11-28): a 347k-line Go service, linux/arm64, `go build` under QEMU 234.1 s vs the whole cross leg 61.5 s'
  }
};

/** The plan-time figure for a leg whose file, as written, runs compile steps under QEMU; undefined otherwise. */
export function planSavings(asWritten: LegAnalysis, strategy: PlatformPlan['strategy'], language: string): Savings | undefined {
  if (asWritten.machine.native || strategy === 'native') return undefined;
  const runs = asWritten.steps.filter((s) => s.emulated && s.what.compile).length;
  if (!runs) return undefined;
  const measured = MEASURED_RATIOS[language];
  return {
    emulatedRuns: runs,
    built: strategy === 'emulated' ? 'emulated' : 'cross',
    ...(measured ? { ratio: measured.ratio, source: measured.source } : { source: `no measured ratio for ${language} yet` })
  };
}

/** The plan's savings filled in from this run's legs (ok ones only); entries without savings are kept as they are. */
export function measureSavings(platforms: readonly PlatformPlan[], legs: readonly BuiltLeg[]): PlatformPlan[] {
  const ok = legs.filter((l) => l.ok);
  const kindOf = (l: BuiltLeg) => platforms.find((p) => p.platform === l.platform.platform)?.strategy ?? l.platform.strategy;
  return platforms.map((p) => {
    const leg = ok.find((l) => l.platform.platform === p.platform);
    if (!p.savings || !leg) return p;
    // After a fallback the leg ran as written: the strategy of the plan entry says which kind ran.
    const built = p.strategy === 'emulated' ? 'emulated' : 'cross';
    const legMs = leg.durationMs;
    const base: Savings = { ...p.savings, built, legMs };
    // A native leg does the same work as a cross one, on the same kind of machine.
    const other = ok.find((l) => l !== leg && (built === 'emulated' ? kindOf(l) !== 'emulated' : kindOf(l) === 'emulated' && hasSavings(platforms, l)));
    if (other) {
      const otherMs = other.durationMs;
      const thisRun = `this run: the ${other.platform.platform} leg (${kindOf(other)}) took ${seconds(otherMs)}`;
      return built === 'emulated'
        ? { ...p, savings: { ...base, emulatedMs: legMs, crossMs: otherMs, ratio: round(legMs / otherMs), source: thisRun, basis: 'this run' } }
        : { ...p, savings: { ...base, crossMs: legMs, emulatedMs: otherMs, ratio: round(otherMs / legMs), source: thisRun, basis: 'this run' } };
    }
    // No ratio to estimate the other kind from; the kind that ran was still measured.
    if (base.ratio === undefined) return { ...p, savings: built === 'emulated' ? { ...base, emulatedMs: legMs } : { ...base, crossMs: legMs } };
    return built === 'emulated'
      ? { ...p, savings: { ...base, emulatedMs: legMs, crossMs: Math.round(legMs / base.ratio), basis: 'measured ratio' } }
      : { ...p, savings: { ...base, crossMs: legMs, emulatedMs: Math.round(legMs * base.ratio), basis: 'measured ratio' } };
  });
}

function hasSavings(platforms: readonly PlatformPlan[], leg: BuiltLeg): boolean {
  return !!platforms.find((p) => p.platform === leg.platform.platform)?.savings;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
