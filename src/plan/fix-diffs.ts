/**
 * The exact edit, as a unified diff, that makes a .NET or Zig build cross-compile. multiarch
 * does not apply these itself: neither toolchain runs on its test stack, so a rewrite could not
 * be proven there, and .NET Native AOT can't cross-compile at all. The diff is computed on the
 * file as written, so it applies to the user's Dockerfile as is.
 */
import type { DockerfileModel, Stage } from './dockerfile.js';
import { unifiedDiff } from './diff.js';
import type { LegAnalysis, StepExecution } from './execution.js';
import type { ContextFacts } from './language.js';
import { applyEdits, declaresArg, pinEdit, type Edit, type StageLine } from './rewrite.js';
import type { RunCommand } from './run-commands.js';
import { stageChain } from './stages.js';

/** A diff to show under the hint, or why there is none. */
export type FixDiff = { diff: string } | { note: string };

/** Zig's CPU architecture names for Docker's. */
const ZIG_ARCH: Record<string, string> = { amd64: 'x86_64', arm64: 'aarch64', arm: 'arm', '386': 'x86', ppc64le: 'powerpc64le', s390x: 's390x', riscv64: 'riscv64' };

/** One fix per emulated .NET/Zig compile line (original line numbers), from the as-written legs. */
export function toolchainFixDiffs(model: DockerfileModel, legs: readonly LegAnalysis[], facts: ContextFacts, fileName: string, platforms: readonly string[]): Map<number, FixDiff> {
  const fixes = new Map<number, FixDiff>();
  for (const leg of legs) {
    for (const step of leg.steps) {
      const lang = step.what.language;
      if (!step.emulated || !step.what.compile || (lang !== 'dotnet' && lang !== 'zig') || fixes.has(step.run.line)) continue;
      fixes.set(step.run.line, lang === 'dotnet' ? dotnetFix(model, leg, step, facts, fileName) : zigFix(model, leg, step, facts, fileName, platforms));
    }
  }
  return fixes;
}

/** The root stage and every reachable stage built on it; undefined when the image itself is one of them. */
function chainOf(leg: LegAnalysis, step: StepExecution): { root: Stage; stages: Stage[] } | undefined {
  const root = stageChain(leg.graph, step.stage).pop()!;
  const stages = leg.graph.reachable.filter((s) => stageChain(leg.graph, s).pop()!.index === root.index);
  return stages.some((s) => s.index === leg.graph.target.index) ? undefined : { root, stages };
}

/** Absolute offsets of a command's words (the command keeps only its name's offset). */
function wordAt(command: RunCommand, i: number): { start: number; end: number; text: string } {
  const base = command.offset - command.view.nameWord!.start;
  const w = command.view.words[i]!;
  return { start: base + w.start, end: base + w.end, text: w.text };
}

function commandsOf(stage: Stage, leg: LegAnalysis, name: string): RunCommand[] {
  return leg.steps.filter((s) => s.stage.index === stage.index).flatMap((s) => s.what.commands.filter((c) => c.view.base === name && c.offset >= 0));
}

function finish(model: DockerfileModel, edits: Edit[], args: StageLine[], fileName: string): FixDiff {
  const { text } = applyEdits(model.text, edits, args);
  return { diff: unifiedDiff(model.text, text, fileName) };
}

/**
 * .NET: pin the SDK stage, declare TARGETARCH, and publish with `-a $TARGETARCH` in place of
 * `--use-current-runtime`/`--ucr`/`-r <rid>` (a musl RID keeps `--os linux-musl`). The SDK
 * maps amd64 to x64 for `-a`, which is why Microsoft's own Dockerfiles pass $TARGETARCH as is.
 */
function dotnetFix(model: DockerfileModel, leg: LegAnalysis, step: StepExecution, facts: ContextFacts, fileName: string): FixDiff {
  if (facts.dotnet.aot || /PublishAot=true/i.test(step.run.source)) {
    return { note: `Native AOT (${facts.dotnet.aot ?? 'PublishAot=true on the command'}) links with the target's native toolchain and can't cross-compile: build this platform on a native runner, or keep it emulated` };
  }
  const chain = chainOf(leg, step);
  if (!chain) return { note: 'the publish runs in the stage that becomes the image; move it to its own build stage first' };
  const edits: Edit[] = [pinEdit(chain.root)];
  const args: StageLine[] = [];
  for (const stage of chain.stages) {
    let first: number | undefined;
    for (const command of commandsOf(stage, leg, 'dotnet')) {
      const sub = command.view.args.find((a) => !a.startsWith('-')) ?? '';
      if (!['restore', 'publish', 'build'].includes(sub)) continue;
      const words = command.view.words;
      const nameAt = words.indexOf(command.view.nameWord!);
      let replaced = false;
      for (let i = nameAt + 1; i < words.length; i++) {
        const w = wordAt(command, i);
        const rid = /^(?:-r|--runtime)=(.+)$/.exec(w.text)?.[1] ?? (/^(-r|--runtime)$/.test(w.text) && i + 1 < words.length ? wordAt(command, i + 1).text : undefined);
        if (w.text === '--use-current-runtime' || w.text === '--ucr') {
          edits.push({ at: w.start, remove: w.end - w.start, insert: '-a $TARGETARCH' });
          replaced = true;
        } else if (rid !== undefined) {
          const end = w.text.includes('=') ? w.end : wordAt(command, ++i).end;
          edits.push({ at: w.start, remove: end - w.start, insert: /musl/.test(rid) ? '--os linux-musl -a $TARGETARCH' : '-a $TARGETARCH' });
          replaced = true;
        }
      }
      const hasArch = command.view.args.some((a) => /^(-a|--arch)(=|$)/.test(a));
      if (!replaced && !hasArch && sub === 'publish') {
        const subWord = wordAt(command, words.findIndex((w, i) => i > nameAt && w.text === 'publish'));
        edits.push({ at: subWord.end, remove: 0, insert: ' -a $TARGETARCH' });
        replaced = true;
      }
      if (replaced) first ??= leg.steps.find((s) => s.what.commands.includes(command))!.run.line;
    }
    if (first !== undefined && !declaresArg(stage, 'TARGETARCH', first)) args.push({ stage, line: 'ARG TARGETARCH' });
  }
  return finish(model, edits, args, fileName);
}

/**
 * Zig: pin the stage and pass `-Dtarget=<arch>-linux-<abi>` to `zig build`, the arch picked from
 * $TARGETARCH in the shell (one Dockerfile serves every platform). The ABI follows the image the
 * binary ships in: musl for Alpine, scratch and static images, glibc otherwise.
 */
function zigFix(model: DockerfileModel, leg: LegAnalysis, step: StepExecution, facts: ContextFacts, fileName: string, platforms: readonly string[]): FixDiff {
  if (facts.zig.targetOption !== true) return { note: facts.zig.targetOption === false ? `${facts.zig.evidence}: add \`const target = b.standardTargetOptions(.{});\` and build with it first` : `${facts.zig.evidence}, so whether zig build takes -Dtarget is unknown` };
  const chain = chainOf(leg, step);
  if (!chain) return { note: 'zig build runs in the stage that becomes the image; move it to its own build stage first' };
  const finalImage = leg.graph.rootImages.get(leg.graph.target.index) ?? '';
  const musl = /alpine|^scratch$|static/.test(finalImage);
  const arches = [...new Set(platforms.map((p) => p.split('/')[1]!))].filter((a) => ZIG_ARCH[a]);
  const target = (arch: string) => `${ZIG_ARCH[arch]}-linux-${musl ? 'musl' : 'gnu'}${arch === 'arm' ? 'eabihf' : ''}`;
  const pick = `case "$TARGETARCH" in ${arches.map((a) => `${a}) ZIG_TARGET=${target(a)} ;;`).join(' ')} esac && `;
  const edits: Edit[] = [pinEdit(chain.root)];
  const args: StageLine[] = [];
  for (const stage of chain.stages) {
    let first: number | undefined;
    for (const command of commandsOf(stage, leg, 'zig')) {
      const words = command.view.words;
      const at = words.findIndex((w) => w.text === 'build');
      if (at < 0 || command.view.args.some((a) => a.startsWith('-Dtarget'))) continue;
      edits.push({ at: wordAt(command, 0).start, remove: 0, insert: pick });
      edits.push({ at: wordAt(command, at).end, remove: 0, insert: ' -Dtarget=$ZIG_TARGET' });
      first ??= leg.steps.find((s) => s.what.commands.includes(command))!.run.line;
    }
    if (first !== undefined && !declaresArg(stage, 'TARGETARCH', first)) args.push({ stage, line: 'ARG TARGETARCH' });
  }
  return finish(model, edits, args, fileName);
}
