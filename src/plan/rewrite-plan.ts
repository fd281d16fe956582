/**
 * Which stages `crossCompile: auto` may pin to $BUILDPLATFORM, and why not when it may not.
 *
 * A candidate is a chain of stages that compiles Go, builds Maven/Gradle, or installs Node
 * dependencies in the target architecture. Pinning its root (the stage that names an image) moves
 * the root and every reachable stage built on it, so all of their RUNs must be proven
 * architecture-neutral, none of them may be the image itself (pinning the final stage would
 * change the image's own platform), and what leaves them (COPY --from, RUN --mount from=) must be
 * the build's output, not files of the build platform.
 */
import type { RewriteKind } from '../types/plan.js';
import type { RunStep, Stage } from './dockerfile.js';
import type { LegAnalysis, StepExecution } from './execution.js';
import type { ContextFacts } from './language.js';
import type { RunCommand } from './run-commands.js';
import { NATIVE_IMAGE, goCommandSafety, jvmCommandSafety, nodeCommandSafety, type Safety } from './rewrite-safety.js';
import { describeExit, mayHoldNodeModules, packageDir, stageExits, toolchainDir, type StageExit } from './stage-exits.js';
import { stageChain } from './stages.js';

/** A Go compile that gets GOOS/GOARCH (and, for `go install`, its binaries moved). */
export interface GoCommandEdit {
  stage: Stage;
  line: number;
  command: RunCommand;
  goInstall: boolean;
}

/** Kinds of stage chains the rewrite pins. */
export type CandidateKind = Exclude<RewriteKind, 'arg'>;

/** A chain of stages the rewrite would pin, with the verdict. */
export interface RewriteCandidate {
  kind: CandidateKind;
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
const KINDS: Record<string, CandidateKind> = { go: 'go', jvm: 'jvm', node: 'node' };

/** Find rewrite candidates among the emulated compile steps of non-native legs. */
export function planRewrites(legs: readonly LegAnalysis[], facts: ContextFacts, buildArgs: Readonly<Record<string, string>>): RewriteCandidate[] {
  const byRoot = new Map<number, { step: StepExecution; legs: LegAnalysis[] }>();
  for (const leg of legs) {
    if (leg.machine.native) continue;
    for (const step of leg.steps) {
      const lang = step.what.language;
      if (!step.emulated || !step.what.compile || !lang || !KINDS[lang] || step.stagePlatform.origin !== 'target') continue;
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

/** A RUN's safe verdicts, for the chain-wide checks. */
interface CheckedRun {
  step: StepExecution;
  verdicts: Extract<Safety, { ok: true }>[];
}

function judge(root: Stage, step: StepExecution, legs: LegAnalysis[], facts: ContextFacts, buildArgs: Readonly<Record<string, string>>): RewriteCandidate {
  const members = new Map<number, Stage>();
  const steps: StepExecution[] = [];
  for (const leg of legs) {
    for (const stage of leg.graph.reachable) if (rootOf(leg, stage).index === root.index) members.set(stage.index, stage);
    for (const s of leg.steps) if (members.has(s.stage.index) && !steps.some((t) => t.run === s.run)) steps.push(s);
  }
  const stages = [...members.values()].sort((a, b) => a.index - b.index);
  const kind = KINDS[step.what.language!]!;
  const goCommands: GoCommandEdit[] = [];
  const base = { kind, root, stages, step, goCommands, platforms: legs.map((l) => l.platform) };
  const refuse = (reason: string): RewriteCandidate => ({ ...base, ok: false, reason });
  const accept = (reason: string): RewriteCandidate => ({ ...base, ok: true, reason });

  const final = legs.map((l) => l.graph.target).find((t) => members.has(t.index));
  if (final) {
    return refuse(
      final.index === step.stage.index
        ? `the ${kind === 'node' ? 'install' : 'compile'} runs in the final stage, which is the image itself; pinning it would change the image's platform`
        : `the final stage ${final.label} builds on stage ${root.label}; pinning it would change the image's platform`
    );
  }
  const checked: CheckedRun[] = [];
  for (const s of steps) {
    const verdict = runSafety(s.run, s.what.commands, kind);
    if (typeof verdict === 'string') return refuse(`RUN at line ${s.run.line} (stage ${s.stage.label}): ${verdict}`);
    checked.push({ step: s, verdicts: verdict });
    if (kind === 'go') {
      s.what.commands.forEach((command, i) => {
        const v = verdict[i]!;
        if (v.compile && command.view.base !== 'mage') goCommands.push({ stage: s.stage, line: s.run.line, command, goInstall: !!v.goInstall });
      });
    }
  }
  const exits = stageExits(legs, new Set(members.keys()));
  const leak = buildPlatformLeak(checked, exits);
  if (leak) return refuse(leak);
  const installs = installedPackages(checked);
  const kept = installs ? `; ${installs.text} stay in the pinned stages: only ${exits.map((e) => e.path).join(', ') || 'nothing'} leaves them` : '';

  const texts = [...stages.flatMap((s) => [...s.vars.map((v) => ({ line: v.line, text: v.source })), ...s.runs.map((r) => ({ line: r.line, text: r.source }))])];
  if (kind === 'jvm') {
    const native = texts.find((t) => NATIVE_IMAGE.test(t.text)) ?? (NATIVE_IMAGE.test(root.image) ? { line: root.line } : undefined);
    if (native) return refuse(`line ${native.line} builds a GraalVM native image, which is machine code for the target`);
    if (facts.jvm.machineCode) return refuse(facts.jvm.machineCode);
    return accept(`Java bytecode is the same on every platform${kept}`);
  }
  if (kind === 'node') return judgeNode(exits, facts, accept, refuse, kept);

  const goarch = texts.find((t) => /\bGOARCH[= ]\s*["']?[a-z0-9]/.test(t.text) && !/GOARCH[= ]\s*["']?\$\{?TARGETARCH/.test(t.text));
  if (goarch) return refuse(`line ${goarch.line} hard-codes GOARCH`);
  const cgoOn = texts.find((t) => CGO_ON.test(t.text));
  if (cgoOn || buildArgs['CGO_ENABLED'] === '1') return refuse(`cgo is enabled (CGO_ENABLED=1 ${cgoOn ? `at line ${cgoOn.line}` : 'as a build-arg'}), which needs a C cross toolchain`);
  const cgoOff = texts.find((t) => CGO_OFF.test(t.text));
  const toolchain = checked.find((c) => c.verdicts.some((v) => v.toolchain));
  if (toolchain && !cgoOff) {
    const names = toolchain.verdicts.flatMap((v) => v.toolchain ?? []);
    return refuse(`RUN at line ${toolchain.step.run.line} (stage ${toolchain.step.stage.label}) installs a C toolchain (${names.join(' ')}), so the build may use cgo; set CGO_ENABLED=0 in the stage if it does not`);
  }
  const pipedInstall = goCommands.find((g) => g.goInstall && ['|', '&'].includes(g.command.next));
  if (pipedInstall) return refuse(`RUN at line ${pipedInstall.line}: \`go install\` feeds a pipe (or runs in the background), so its binaries can't be moved to where the as-written build puts them`);
  if (cgoOff) return accept(`cgo is off (CGO_ENABLED=0 at line ${cgoOff.line})${kept}`);
  if (facts.go.cgo === 'none') return accept(`cgo is not used: ${facts.go.evidence}${kept}`);
  if (facts.go.cgo === 'found') return refuse(`the build uses cgo (${facts.go.evidence}), which needs a C cross toolchain`);
  return refuse(`cgo can't be ruled out (${facts.go.evidence}); set CGO_ENABLED=0 in the stage if the build doesn't need it`);
}

/**
 * Node: the dependencies installed on the build platform only matter when node_modules leaves
 * the pinned stages; then the lockfile must show that every package is the same on every
 * platform (no install scripts, no cpu/os-specific packages).
 */
function judgeNode(
  exits: StageExit[],
  facts: ContextFacts,
  accept: (reason: string) => RewriteCandidate,
  refuse: (reason: string) => RewriteCandidate,
  kept: string
): RewriteCandidate {
  if (facts.node.project) return refuse(`the project itself builds native code (${facts.node.evidence})`);
  const modules = exits.find((e) => mayHoldNodeModules(e.path));
  if (!modules) {
    const outputs = exits.map((e) => e.path).join(', ');
    return accept(`only build output (${outputs || 'nothing'}) leaves the pinned stages, so the architecture of the installed dependencies does not matter${kept}`);
  }
  const where = `${describeExit(modules)} may take node_modules`;
  if (facts.node.nativeAddons === false) {
    return accept(`${where}, and ${facts.node.evidence}, so it is the same on every platform; the whole-image check and the fallback catch what the lockfile does not record${kept}`);
  }
  return refuse(`${where}, and ${facts.node.nativeAddons ? facts.node.evidence : `the lockfile can't show it is the same on every platform (${facts.node.evidence})`}`);
}

/** Files of the build platform that would leave the pinned stages; undefined when none do. */
function buildPlatformLeak(checked: CheckedRun[], exits: StageExit[]): string | undefined {
  for (const exit of exits) {
    if (exit.path === '/') return `${describeExit(exit)} takes the whole stage, base image and all, which would be the build platform's`;
    const toolchain = toolchainDir(exit.path);
    if (toolchain) return `${describeExit(exit)} takes ${toolchain} from the base image, which would be the build platform's`;
  }
  const installs = installedPackages(checked);
  if (!installs) return undefined;
  for (const exit of exits) {
    const dir = packageDir(exit.path);
    if (dir) return `${installs.text} (line ${installs.line}), and ${describeExit(exit)} takes ${dir}, where packages put their files: they would be the build platform's`;
  }
  return undefined;
}

function installedPackages(checked: CheckedRun[]): { text: string; line: number } | undefined {
  const found = checked.flatMap((c) => c.verdicts.flatMap((v) => (v.packages ?? []).map((p) => ({ p, line: c.step.run.line }))));
  if (!found.length) return undefined;
  const names = [...new Set(found.map((f) => f.p))];
  return { text: `the packages it installs (${names.join(' ')})`, line: found[0]!.line };
}

/** Each command's safe verdict, or the first reason a RUN can't move to the build platform. */
function runSafety(run: RunStep, commands: RunCommand[], kind: CandidateKind): Extract<Safety, { ok: true }>[] | string {
  if (run.opaque) return 'it feeds a heredoc to a program other than the shell, which can\'t be checked';
  const verdicts: Extract<Safety, { ok: true }>[] = [];
  for (const command of commands) {
    const verdict = kind === 'go' ? goCommandSafety(command.view) : kind === 'jvm' ? jvmCommandSafety(command.view) : nodeCommandSafety(command.view);
    if (!verdict.ok) return verdict.reason;
    if (kind === 'go' && verdict.compile && command.offset < 0) return 'exec-form RUN has no shell to set GOOS/GOARCH in';
    verdicts.push(verdict);
  }
  return verdicts;
}
