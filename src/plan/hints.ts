/**
 * Fix hints for compiles that run under QEMU: one concrete change per language, phrased for the
 * stage at hand (its image and name), so the annotation on the RUN line can be applied as is.
 */
import type { CrossCompileMode } from '../types/config.js';
import type { StepExecution } from './execution.js';
import type { FixDiff } from './fix-diffs.js';
import type { ContextFacts } from './language.js';
import type { RewriteCandidate } from './rewrite-plan.js';

/** What the hint needs to know about the step's stage. */
export interface HintContext {
  step: StepExecution;
  /** Base image after following `FROM <stage>`, e.g. `golang:1.22`. */
  image: string;
  /** Stage whose FROM would be pinned. */
  rootLabel: string;
  facts: ContextFacts;
  mode: CrossCompileMode;
  /** The rewrite verdict for this step's stage, if there was one. */
  candidate?: RewriteCandidate;
  /** For .NET and Zig: the exact edit, or why there is none. */
  fix?: FixDiff;
}

/** A hint for an emulated compile step, or undefined when emulation is the right call (Python, native addons). */
export function compileHint(ctx: HintContext): string | undefined {
  const { step, image, rootLabel } = ctx;
  const pin = `\`FROM --platform=$BUILDPLATFORM ${image} AS ${rootLabel}\``;
  const where = step.inFinalStage
    ? `move it out of the final stage into a build stage pinned with \`FROM --platform=$BUILDPLATFORM ${image} AS build\` and COPY the result into the image`
    : `pin the stage with ${pin}`;
  let hint: string | undefined;
  switch (step.what.language) {
    case 'go':
      hint = `${where}, and set \`GOOS=$TARGETOS GOARCH=$TARGETARCH\` (plus GOARM from TARGETVARIANT) on the go build; expect roughly 3-4x faster arm64 legs (measured here on a Go service: 34 s cross vs 148 s emulated)`;
      break;
    case 'rust':
      hint = `${where}, add \`COPY --from=tonistiigi/xx / /\` and build with \`xx-cargo build --release\` (it passes --target and a cross linker), or use cargo-zigbuild with \`--target\``;
      break;
    case 'c':
      hint = `build this platform on a native node or runner, or cross-compile: ${where}, add \`COPY --from=tonistiigi/xx / /\`, install target libraries with \`xx-apt-get\` / \`xx-apk\` and compile with \`xx-clang\` (CMake: \`cmake $(xx-clang --print-cmake-defines)\`)`;
      break;
    case 'jvm':
      hint = /native/i.test(step.run.source)
        ? 'GraalVM native-image emits machine code for the target: build this platform on a native node or runner, or accept emulation'
        : `${where}: the jar is bytecode and runs on every platform`;
      break;
    case 'dotnet':
      if (ctx.fix && 'note' in ctx.fix) hint = ctx.fix.note;
      else hint = `${where}, add \`ARG TARGETARCH\` and publish with \`dotnet publish -a $TARGETARCH\` in place of a fixed runtime${ctx.fix ? ' (the diff is the whole edit; multiarch does not apply it: the .NET SDK does not run on its test stack, so it could not prove the rewrite)' : ''}`;
      break;
    case 'zig':
      if (ctx.fix && 'note' in ctx.fix) hint = `${where} and pass \`-Dtarget=<arch>-linux-<abi>\` to zig build, but ${ctx.fix.note}`;
      else hint = `${where} and pass \`-Dtarget=<arch>-linux-<abi>\` to zig build (x86_64 for amd64, aarch64 for arm64, arm for arm/v7): Zig cross-compiles out of the box${ctx.fix ? ' (the diff is the whole edit; multiarch does not apply it: Zig does not run on its test stack, so it could not prove the rewrite)' : ''}`;
      break;
    case 'node':
      // Only safe when npm installs identical files on every architecture.
      hint = ctx.facts.node.nativeAddons === false ? `${ctx.facts.node.evidence}, so ${where}` : undefined;
      break;
    default:
      hint = undefined;
  }
  if (!hint) return undefined;
  const c = ctx.candidate;
  if (c && ctx.mode === 'auto' && !c.ok) return `${hint}. multiarch did not rewrite it: ${c.reason}`;
  if (c && ctx.mode === 'off' && c.ok) return `${hint}. Or set cross-compile: auto and multiarch rewrites it for the build`;
  return hint;
}
