/**
 * The strategy and headline language of a leg, derived from its analysed steps:
 * native when the machine runs the target and nothing needs QEMU, emulated when some reachable
 * RUN needs QEMU, cross otherwise (every RUN executes on the build platform, or there is none).
 */
import type { Strategy } from '../types/plan.js';
import type { LegAnalysis } from './execution.js';
import type { Language } from './languages.js';

/** native, cross or emulated for one leg. */
export function resolveStrategy(leg: LegAnalysis): Strategy {
  if (leg.steps.some((s) => s.emulated)) return 'emulated';
  return leg.machine.native ? 'native' : 'cross';
}

/**
 * The language a leg is about: what compiles under QEMU if anything does, else what compiles,
 * else any language a RUN uses, else the context's first language.
 */
export function resolveLegLanguage(leg: LegAnalysis, contextLanguages: readonly Language[]): string {
  const steps = leg.steps;
  const pick =
    steps.find((s) => s.emulated && s.what.compile && s.what.language) ??
    steps.find((s) => s.what.compile && s.what.language) ??
    steps.find((s) => s.what.language);
  return pick?.what.language ?? contextLanguages[0] ?? 'unknown';
}

/** Languages the reachable RUNs use, in file order; the context's when no RUN names a toolchain. */
export function resolveLanguages(legs: readonly LegAnalysis[], contextLanguages: readonly Language[]): Language[] {
  const found: Language[] = [];
  for (const leg of legs) for (const step of leg.steps) for (const c of step.what.commands) if (c.kind.language && !found.includes(c.kind.language)) found.push(c.kind.language);
  return found.length ? found : [...contextLanguages];
}
