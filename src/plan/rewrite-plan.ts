/**
 * Which stages `crossCompile: auto` may pin to $BUILDPLATFORM, and why not when it may not.
 *
 * A candidate is a chain of stages that compiles Go or Maven/Gradle in the target architecture.
 * Pinning its root (the stage that names an image) moves the root and every reachable stage built
 * on it, so all of their RUNs must be proven architecture-neutral, and none of them may be the
 * image itself: pinning the final stage would change the image's own platform.
 */
import type { RunStep, Stage } from './dockerfile.js';
import type { LegAnalysis, StepExecution } from './execution.js';
import type { ContextFacts } from './language.js';
import type { RunCommand } from './run-commands.js';
import { NATIVE_IMAGE, goCommandSafety, jvmCommandSafety } from './rewrite-safety.js';
import { stageChain } from './stages.js';

/** A `go build` that gets GOOS/GOARCH. */
export interface GoCommandEdit {
  stage: Stage;
  line: number;
  command: RunCommand;
}

/** A chain of stages the rewrite would pin, with the verdict. */
export interface RewriteCandidate {
  kind: 'go' | 'jvm';
  /** The stage whose FROM gets `--platform=$BUILDPLATFORM`. */
  root: Stage;
  /** Root and every reachable stage built on it, in file order. */
  stages: Stage[];
  /** First emulated compile step, for messages. */
  step: StepExecution;
  goCommands: GoCommandEdit[];
  /** Platforms whose legs compile in this chain under QEMU. */
  platforms: string[];
  ok: boolean;
  /** Why it is safe (cgo evidence), or why it is not. */
  reason: string;
}

const CGO_ON = /\bCGO_ENABLED\s*[= ]\s*["']?1\b/;
const CGO_OFF = /\bCGO_ENABLED\s*[= ]\s*["']?0\b/;

/** Find rewrite candidates among the emulated compile steps of non-native legs. */
export function planRewrites(legs: readonly LegAnalysis[], facts: ContextFacts, buildArgs: Readonly<Record<string, string>>): RewriteCandidate[] {
  const byRoot = new Map<number, { step: StepExecution; legs: LegAnalysis[] }>();
  for (const leg of legs) {
    if (leg.machine.native) continue;
    for (const step of leg.steps) {
      const lang = step.what.language;
      if (!step.emulated || !step.what.compile || (lang !== 'go' && lang !== 'jvm') || step.stagePlatform.origin !== 'target') continue;
      const root = rootOf(leg, step.stage);
      const entry = byRoot.get(root.index) ?? { step, legs: [] };
      if (!entry.legs.includes(leg)) entry.legs.push(leg);
      byRoot.set(root.index, entry);
    }
  }
  return [...byRoot.values()].map(({ step, legs: affected }) => judge(rootOf(affected[0]!, step.stage), step, affected, facts, buildArgs));
}

function rootOf(leg: LegAnalysis, stage: Stage): Stage {
  return stageChain(leg.graph, stage).pop()!;
}

function judge(root: Stage, step: StepExecution, legs: LegAnalysis[], facts: ContextFacts, buildArgs: Readonly<Record<string, string>>): RewriteCandidate {
  const members = new Map<number, Stage>();
  const steps: StepExecution[] = [];
  for (const leg of legs) {
    for (const stage of leg.graph.reachable) if (rootOf(leg, stage).index === root.index) members.set(stage.index, stage);
    for (const s of leg.steps) if (members.has(s.stage.index) && !steps.some((t) => t.run === s.run)) steps.push(s);
  }
  const stages = [...members.values()].sort((a, b) => a.index - b.index);
  const goCommands: GoCommandEdit[] = steps.flatMap((s) =>
    s.what.commands.filter((c) => c.view.base === 'go' && c.kind.compile).map((command) => ({ stage: s.stage, line: s.run.line, command }))
  );
  const kind = step.what.language === 'go' ? 'go' : 'jvm';
  const base = { kind, root, stages, step, goCommands, platforms: legs.map((l) => l.platform) } as const;
  const refuse = (reason: string): RewriteCandidate => ({ ...base, ok: false, reason });

  const final = legs.map((l) => l.graph.target).find((t) => members.has(t.index));
  if (final) {
    return refuse(
      final.index === step.stage.index
        ? `the compile runs in the final stage, which is the image itself; pinning it would change the image's platform`
        : `the final stage ${final.label} builds on stage ${root.label}; pinning it would change the image's platform`
    );
  }
  for (const s of steps) {
    const unsafe = runSafety(s.run, s.what.commands, kind);
    if (unsafe) return refuse(`RUN at line ${s.run.line} (stage ${s.stage.label}): ${unsafe}`);
  }
  const texts = [...stages.flatMap((s) => [...s.vars.map((v) => ({ line: v.line, text: v.source })), ...s.runs.map((r) => ({ line: r.line, text: r.source }))])];
  if (kind === 'jvm') {
    const native = texts.find((t) => NATIVE_IMAGE.test(t.text)) ?? (NATIVE_IMAGE.test(root.image) ? { line: root.line } : undefined);
    if (native) return refuse(`line ${native.line} builds a GraalVM native image, which is machine code for the target`);
    if (facts.jvm.machineCode) return refuse(facts.jvm.machineCode);
    return { ...base, ok: true, reason: 'Java bytecode is the same on every platform' };
  }
  const goarch = texts.find((t) => /\bGOARCH[= ]\s*["']?[a-z0-9]/.test(t.text) && !/GOARCH[= ]\s*["']?\$\{?TARGETARCH/.test(t.text));
  if (goarch) return refuse(`line ${goarch.line} hard-codes GOARCH`);
  const cgoOn = texts.find((t) => CGO_ON.test(t.text));
  if (cgoOn || buildArgs['CGO_ENABLED'] === '1') return refuse(`cgo is enabled (CGO_ENABLED=1 ${cgoOn ? `at line ${cgoOn.line}` : 'as a build-arg'}), which needs a C cross toolchain`);
  const cgoOff = texts.find((t) => CGO_OFF.test(t.text));
  if (cgoOff) return { ...base, ok: true, reason: `cgo is off (CGO_ENABLED=0 at line ${cgoOff.line})` };
  if (facts.go.cgo === 'none') return { ...base, ok: true, reason: `cgo is not used: ${facts.go.evidence}` };
  if (facts.go.cgo === 'found') return refuse(`the build uses cgo (${facts.go.evidence}), which needs a C cross toolchain`);
  return refuse(`cgo can't be ruled out (${facts.go.evidence}); set CGO_ENABLED=0 in the stage if the build doesn't need it`);
}

/** The first reason a RUN can't move to the build platform, or undefined when it can. */
function runSafety(run: RunStep, commands: RunCommand[], kind: 'go' | 'jvm'): string | undefined {
  if (run.opaque) return 'it feeds a heredoc to a program other than the shell, which can\'t be checked';
  for (const command of commands) {
    const verdict = kind === 'go' ? goCommandSafety(command.view) : jvmCommandSafety(command.view);
    if (!verdict.ok) return verdict.reason;
    if (kind === 'go' && verdict.compile && command.offset < 0) return 'exec-form RUN has no shell to set GOOS/GOARCH in';
  }
  return undefined;
}
