/**
 * Plain-English reasons for a leg's strategy, as the job summary shows them: where it runs, which
 * RUNs need QEMU (or that none do), and what the language means for emulation.
 */
import type { LegAnalysis, StepExecution } from './execution.js';
import type { ContextFacts } from './language.js';
import { languageProfile, type Language } from './languages.js';
import { canonicalPlatform } from './native.js';
import type { LineMapper } from './pitfalls.js';

/** How many emulated RUNs are spelled out before "and N more". */
const MAX_LISTED = 5;

/** What the reasons need besides the leg. */
export interface ReasonContext {
  /** File name for `Dockerfile:7` references. */
  fileName: string;
  facts: ContextFacts;
  toOriginal: LineMapper;
  /** Sentences about the cross-compile rewrite for this leg, already phrased. */
  rewriteNotes: string[];
}

/** Reasons for one leg, most important first. */
export function explainLeg(leg: LegAnalysis, ctx: ReasonContext): string[] {
  const { platform, machine } = leg;
  const at = (step: StepExecution) => `${ctx.fileName}:${ctx.toOriginal(step.run.line)}`;
  const reasons: string[] = [];
  if (machine.native) reasons.push(`${platform} is native on ${machine.node ? `node ${machine.node}` : 'this builder'}${compatNativeNote(platform, machine.buildPlatform)}`);
  else reasons.push(`${platform} is not native on this builder (${machine.platforms.join(', ')})${compatNote(platform, machine.platforms)}`);
  reasons.push(...ctx.rewriteNotes);

  const emulated = leg.steps.filter((s) => s.emulated);
  const heavy = emulated.filter((s) => !(s.inFinalStage && s.what.light));
  const light = emulated.filter((s) => s.inFinalStage && s.what.light);
  for (const step of heavy.slice(0, MAX_LISTED)) {
    const where = step.platform === canonicalPlatform(platform) ? step.platform : `${step.platform} (stage pinned to that platform)`;
    reasons.push(`RUN ${step.what.summary} at ${at(step)} (stage ${step.stage.label}) executes in ${where}, so it runs under QEMU`);
  }
  if (heavy.length > MAX_LISTED) reasons.push(`…and ${heavy.length - MAX_LISTED} more RUN steps run under QEMU`);
  if (light.length) {
    const list = light.map((s) => `RUN ${s.what.summary} at ${at(s)}`).join(', ');
    reasons.push(`a light RUN in the final stage still needs QEMU; cheap (${list})`);
  }
  if (!emulated.length && !machine.native) {
    reasons.push(
      leg.steps.length
        ? `no reachable RUN executes in ${platform}: all ${leg.steps.length} run on the build platform ${machine.buildPlatform}`
        : `no reachable RUN at all: the image is assembled from files, so nothing executes in ${platform}`
    );
  }
  if (heavy.length) reasons.push(...languageNotes(heavy, ctx.facts));
  return reasons;
}

/**
 * 386 on x86-64 and arm/v7 on arm64 often run natively, but not everywhere, so they only count
 * as native when the engine's kernel ran them itself (see native.ts); say so.
 */
function compatNote(platform: string, natives: readonly string[]): string {
  const arch = platform.split('/')[1];
  const hosts = natives.map((p) => p.split('/')[1]);
  if (arch === '386' && hosts.includes('amd64')) return '; x86-64 CPUs usually run 386 code natively, and it counts as native when the engine kernel runs it with no QEMU handler for i386';
  if (arch === 'arm' && hosts.includes('arm64')) return '; many arm64 CPUs run 32-bit ARM natively, and it counts as native when the engine kernel runs it with no QEMU handler for arm';
  return '';
}

/** Native by compatibility (386 on x86-64, arm/v7 on arm64): say so, since it is not the CPU's own platform. */
function compatNativeNote(platform: string, buildPlatform: string): string {
  const arch = canonicalPlatform(platform).split('/')[1];
  const host = canonicalPlatform(buildPlatform).split('/')[1];
  return arch !== host ? `: its ${buildPlatform} CPU runs ${arch} code directly (the kernel ran a ${arch} program itself, with no QEMU handler for it)` : '';
}

/** What emulation means for each language that runs under QEMU. */
function languageNotes(steps: StepExecution[], facts: ContextFacts): string[] {
  const languages = [...new Set(steps.filter((s) => s.what.compile).map((s) => s.what.language).filter((l): l is Language => !!l))];
  return languages.map((id) => {
    const profile = languageProfile(id);
    if (id === 'node') {
      return facts.node.nativeAddons === false
        ? `Node.js: ${facts.node.evidence}, so the install could run on $BUILDPLATFORM instead`
        : `Node.js: the install must run in the target architecture (${facts.node.evidence})`;
    }
    if (id === 'python') {
      return facts.python.compiledExtensions
        ? `Python: ${profile.underEmulation}; ${facts.python.evidence}`
        : `Python: ${profile.underEmulation}`;
    }
    return `${profile.label} under QEMU is ${profile.underEmulation}; to cross-build: ${profile.howToCross}`;
  });
}
