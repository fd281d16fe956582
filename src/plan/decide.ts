/**
 * decide(): Dockerfile + platforms + builder → Plan. Per platform it works out whether the leg is
 * native, cross or emulated, and why; with `crossCompile: auto` it first rewrites emulated Go and
 * Maven/Gradle compiles into cross compiles where that is provably safe, and then describes the
 * build as it will actually run. Pure, apart from reading the build context (see context.ts).
 */
import { basename } from 'node:path';
import type { CrossCompileMode } from '../types/config.js';
import type { Plan, PlatformPlan, Rewrite, Warning } from '../types/plan.js';
import { resolveCacheScope } from './cache-scope.js';
import { readContextFiles, type ContextFiles } from './context.js';
import { parseDockerfile, type DockerfileModel } from './dockerfile.js';
import { analyzeLeg, type LegAnalysis, type StepExecution } from './execution.js';
import { toolchainFixDiffs, type FixDiff } from './fix-diffs.js';
import { compileHint } from './hints.js';
import { detectContext, type ContextFacts } from './language.js';
import { languageProfile } from './languages.js';
import { resolveMachine, type BuilderNode } from './native.js';
import { findPitfalls, type LineMapper } from './pitfalls.js';
import { planSavings } from './savings.js';
import { explainLeg } from './reasons.js';
import { applyRewrites, type RewriteOutput } from './rewrite.js';
import { planRewrites, type RewriteCandidate } from './rewrite-plan.js';
import { stageChain } from './stages.js';
import { findMissingArgs, type MissingArgs } from './target-args.js';
import { resolveLanguages, resolveLegLanguage, resolveStrategy } from './strategy.js';

/** Everything decide() needs. */
export interface DecideInput {
  dockerfileText: string;
  /** Path of the Dockerfile, as warnings should name it. */
  dockerfilePath: string;
  /** Build context, scanned (bounded) for language facts; absent for a Dockerfile from stdin. */
  contextDir?: string;
  /** Context files given directly (tests, in-memory contexts); wins over contextDir. */
  contextFiles?: ContextFiles;
  /** Normalised target platforms, e.g. linux/arm64, linux/arm/v7. */
  platforms: string[];
  /** Stage to build; the last stage when absent. */
  target?: string;
  buildArgs: Record<string, string>;
  /** Platforms the builder runs natively; the first is $BUILDPLATFORM for non-native legs. */
  nativePlatforms: string[];
  /** Builder nodes or runners; a leg goes to the first node that runs its platform natively. */
  nodes?: BuilderNode[];
  crossCompile: CrossCompileMode;
  /** Image name for cache scopes. */
  image: string;
  cacheScopePrefix?: string;
}

/** Plan the build. Throws when the Dockerfile has no FROM or the target is not one of its stages. */
export function decide(input: DecideInput): Plan {
  const fileName = basename(input.dockerfilePath);
  const model = parseDockerfile(input.dockerfileText);
  const files = input.contextFiles ?? (input.contextDir ? readContextFiles(input.contextDir) : undefined);
  const facts = detectContext(files);
  const machines = input.platforms.map((p) => resolveMachine(p, input.nativePlatforms, input.nodes));
  const analyse = (m: DockerfileModel) => input.platforms.map((p, i) => analyzeLeg(m, p, machines[i]!, input.buildArgs, input.target));

  const asWritten = analyse(model);
  const candidates = planRewrites(asWritten, facts, input.buildArgs);
  const missingArgs = findMissingArgs(asWritten);
  const rewriting = input.crossCompile !== 'off';
  const accepted = rewriting ? candidates.filter((c) => c.ok) : [];
  const argFixes = rewriting ? missingArgs : [];
  const output = accepted.length || argFixes.length ? applyRewrites(model, accepted, fileName, argFixes) : undefined;
  const legs = output ? analyse(parseDockerfile(output.text)) : asWritten;
  const toOriginal: LineMapper = output ? (line) => output.lineMap[line - 1] || line : (line) => line;

  const platforms: PlatformPlan[] = legs.map((leg, i) => {
    const relevant = candidates.filter((c) => c.platforms.includes(leg.platform));
    const fixes = argFixes.filter((f) => asWritten[i]!.graph.reachable.some((s) => s.index === f.stage.index));
    const rewrite = output ? rewriteFor(output, relevant.filter((c) => c.ok), fixes) : null;
    const original = asWritten[i]!;
    const strategy = resolveStrategy(leg);
    const language = resolveLegLanguage(leg, facts.languages);
    const savings = planSavings(original, strategy, language);
    const notes = [...rewriteNotes(relevant, input.crossCompile, fileName, !!rewrite && leg.machine.native), ...fixes.map((f) => `declared ARG ${f.names.join(' ')} in stage ${f.stage.label} (${fileName}:${f.stage.line}), which uses it at line ${f.line} without declaring it`)];
    return {
      platform: leg.platform,
      strategy,
      language,
      emulatedSteps: leg.steps
        .filter((s) => s.emulated)
        .map((s) => ({ stage: s.stage.label, line: toOriginal(s.run.line), command: s.what.summary, platform: s.platform })),
      rewrite,
      reasons: explainLeg(leg, { fileName, facts, toOriginal, rewriteNotes: notes }),
      cacheScope: resolveCacheScope(input.image, leg.platform, input.cacheScopePrefix),
      ...(leg.machine.node ? { node: leg.machine.node } : {}),
      // What the user's own file would build, for the fallback when the rewritten leg fails.
      ...(rewrite
        ? {
            asWritten: {
              strategy: resolveStrategy(original),
              emulatedSteps: original.steps.filter((s) => s.emulated).map((s) => ({ stage: s.stage.label, line: s.run.line, command: s.what.summary, platform: s.platform }))
            }
          }
        : {}),
      ...(savings ? { savings } : {})
    };
  });

  const warnings = [
    ...findPitfalls(legs, input.dockerfilePath, toOriginal),
    ...missingArgWarnings(missingArgs, input.dockerfilePath, input.crossCompile),
    ...compileWarnings(legs, candidates, facts, input, toOriginal, toolchainFixDiffs(model, asWritten, facts, fileName, input.platforms))
  ].sort((a, b) => a.line - b.line);

  return {
    platforms,
    languages: resolveLanguages(legs, facts.languages),
    qemu: [...new Set(legs.flatMap((l) => l.steps.filter((s) => s.emulated).map((s) => s.platform)))],
    warnings,
    dockerfile: input.dockerfilePath,
    ...(output ? { rewrittenText: output.text } : {})
  };
}

/** The first applied rewrite that turned this leg's emulated compile into a cross compile, else its first ARG fix. */
function rewriteFor(output: RewriteOutput, applied: RewriteCandidate[], fixes: MissingArgs[]): Rewrite | null {
  const lines = applied.map((c) => c.root.line);
  const pinned = output.rewrites.filter((r) => r.kind !== 'arg' && lines.includes(r.line)).sort((a, b) => a.line - b.line)[0];
  return pinned ?? output.rewrites.find((r) => r.kind === 'arg' && fixes.some((f) => f.line === r.line)) ?? null;
}

const WHAT_PINNING_DOES: Record<RewriteCandidate['kind'], string> = {
  go: 'and set GOOS/GOARCH on its go build',
  jvm: 'to build the jar there',
  node: 'to install and build the JavaScript there'
};

function rewriteNotes(relevant: RewriteCandidate[], mode: CrossCompileMode, fileName: string, rewrittenButNative: boolean): string[] {
  const notes = relevant.map((c) => {
    const stage = `stage ${c.root.label} (${fileName}:${c.root.line})`;
    const what = WHAT_PINNING_DOES[c.kind];
    if (mode === 'off') return c.ok ? `cross-compile is off; with auto, multiarch would pin ${stage} to $BUILDPLATFORM ${what} (${c.reason})` : '';
    return c.ok ? `cross-compile: pinned ${stage} to $BUILDPLATFORM ${what}; ${c.reason}` : `did not rewrite ${stage} for cross-compiling: ${c.reason}`;
  });
  if (rewrittenButNative) notes.push('builds from the rewritten Dockerfile too; the pinned stages run natively here either way');
  return notes.filter(Boolean);
}

/** One warning per RUN line that compiles under QEMU, with a fix hint, merged across platforms. */
function compileWarnings(
  legs: LegAnalysis[],
  candidates: RewriteCandidate[],
  facts: ContextFacts,
  input: DecideInput,
  toOriginal: LineMapper,
  fixes: Map<number, FixDiff>
): Warning[] {
  const byLine = new Map<number, { step: StepExecution; leg: LegAnalysis; platforms: string[] }>();
  for (const leg of legs) {
    for (const step of leg.steps) {
      if (!step.emulated || !step.what.compile || !step.what.language) continue;
      const line = toOriginal(step.run.line);
      const entry = byLine.get(line) ?? { step, leg, platforms: [] };
      if (!entry.platforms.includes(leg.platform)) entry.platforms.push(leg.platform);
      byLine.set(line, entry);
    }
  }
  const fileName = basename(input.dockerfilePath);
  const warnings: Warning[] = [];
  for (const [line, { step, leg, platforms }] of byLine) {
    const root = stageChain(leg.graph, step.stage).pop()!;
    const hint = compileHint({
      step,
      image: leg.graph.rootImages.get(step.stage.index) ?? root.image,
      rootLabel: root.label,
      facts,
      mode: input.crossCompile,
      candidate: candidates.find((c) => c.stages.some((s) => s.index === step.stage.index)),
      fix: fixes.get(line)
    });
    const fix = fixes.get(line);
    if (!hint) continue;
    const profile = languageProfile(step.what.language!);
    // npm ci and pip install fetch and unpack more than they compile.
    const does = profile.compiled ? `compiles ${profile.label}` : `runs ${profile.label} builds and installs`;
    warnings.push({
      file: input.dockerfilePath,
      line,
      message: `RUN ${step.what.summary} at ${fileName}:${line} (stage ${step.stage.label}) ${does} under QEMU for ${platforms.join(', ')}`,
      hint,
      ...(fix && 'diff' in fix ? { diff: fix.diff } : {})
    });
  }
  return warnings;
}

/** A warning on the line that uses a platform ARG the stage never declares, with the fix. */
function missingArgWarnings(missing: MissingArgs[], file: string, mode: CrossCompileMode): Warning[] {
  return missing.map((m) => {
    const vars = m.names.map((n) => `$${n}`).join(', ');
    const goarch = m.names.includes('TARGETARCH') && /GOARCH/.test(m.source) ? ' (Go then builds for the machine the stage runs on)' : '';
    return {
      file,
      line: m.line,
      message: `${m.source.slice(0, 80)} uses ${vars}, but stage ${m.stage.label} (line ${m.stage.line}) never declares ${m.names.length > 1 ? 'them' : 'it'}, so ${m.names.length > 1 ? 'they expand' : 'it expands'} to empty${goarch}`,
      hint: `add \`ARG ${m.names.join(' ')}\` right after line ${m.stage.fromEndLine} (the stage's FROM)${mode === 'off' ? '' : '; multiarch adds it in the rewritten copy it builds'}`
    };
  });
}
