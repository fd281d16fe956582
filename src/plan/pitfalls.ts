/**
 * Dockerfile shapes that build fine but ship the wrong architecture: a stage pinned to a literal
 * foreign platform, a `go build` / `cargo build` on $BUILDPLATFORM that never names the target,
 * a hard-coded GOARCH. Also platform flags the planner could not resolve.
 */
import type { Warning } from '../types/plan.js';
import type { Stage } from './dockerfile.js';
import type { LegAnalysis, StepExecution } from './execution.js';
import { stageChain } from './stages.js';

/** Lines in the user's file: the planner may be looking at the rewritten text. */
export type LineMapper = (line: number) => number;

type Add = (key: string, line: number, platform: string, message: (platforms: string) => string) => void;

/** Warnings for one analysis of all legs, merged per line so each appears once. */
export function findPitfalls(legs: readonly LegAnalysis[], file: string, toOriginal: LineMapper): Warning[] {
  const found = new Map<string, { line: number; message: (platforms: string) => string; platforms: string[] }>();
  const add: Add = (key, line, platform, message) => {
    const entry = found.get(key) ?? { line: toOriginal(line), message, platforms: [] };
    if (!entry.platforms.includes(platform)) entry.platforms.push(platform);
    found.set(key, entry);
  };
  for (const leg of legs) {
    for (const issue of leg.graph.issues) add(`issue:${issue.line}`, issue.line, leg.platform, () => issue.message);
    stagePitfalls(leg, add);
    for (const step of leg.steps) compilePitfalls(leg, step, add, toOriginal);
  }
  return [...found.values()].map((e) => ({ file, line: e.line, message: e.message(e.platforms.join(', ')) }));
}

/** Stages whose platform makes the image contain files for another platform. */
function stagePitfalls(leg: LegAnalysis, add: Add): void {
  for (const stage of leg.graph.reachable) {
    const sp = leg.graph.platforms.get(stage.index)!;
    if (sp.origin === 'literal' && !sp.parent && sp.platform !== leg.platform) {
      add(`literal:${stage.index}`, stage.line, leg.platform, (p) =>
        `stage ${stage.label} is pinned to ${sp.platform} but feeds the ${p} image: anything it builds ships as ${sp.platform} binaries`
      );
    }
  }
  const target = leg.graph.target;
  const final = leg.graph.platforms.get(target.index)!;
  if (leg.machine.buildPlatform !== leg.platform && final.origin === 'build') {
    const inherited = final.parent ? ` (inherited from stage ${final.parent.label})` : '';
    add(`final:${target.index}`, target.line, leg.platform, (p) =>
      `the final stage ${target.label} runs on $BUILDPLATFORM${inherited}, so the ${p} image would be built from build-platform files; only build stages should be pinned`
    );
  }
}

/** Compiles whose output is for the wrong architecture: a hard-coded GOARCH, or no target at all on $BUILDPLATFORM. */
function compilePitfalls(leg: LegAnalysis, step: StepExecution, add: Add, toOriginal: LineMapper): void {
  const line = step.run.line;
  const onBuild = leg.machine.buildPlatform !== leg.platform && step.stagePlatform.origin === 'build';
  const pinned = `stage ${step.stage.label} is pinned to $BUILDPLATFORM`;
  for (const { view } of step.what.commands) {
    const sub = view.args.find((a) => !a.startsWith('-'));
    if (view.base === 'go' && (sub === 'build' || sub === 'install')) {
      const goarch = view.assignments.get('GOARCH') ?? literalEnv(stageChain(leg.graph, step.stage), 'GOARCH');
      if (goarch && !goarch.includes('$') && goarch !== leg.platform.split('/')[1]) {
        add(`goarch:${line}`, line, leg.platform, (p) =>
          `go ${sub} at line ${toOriginal(line)} hard-codes GOARCH=${goarch}, so the ${p} image gets a binary built for ${goarch}; use GOARCH=$TARGETARCH`
        );
      } else if (onBuild && !mentions(leg, step, 'GOARCH')) {
        add(`gobuild:${line}`, line, leg.platform, (p) =>
          `go ${sub} at line ${toOriginal(line)} runs on the build platform (${pinned}) but sets no GOARCH, so the ${p} image gets a build-platform binary; set GOOS=$TARGETOS GOARCH=$TARGETARCH`
        );
      }
    }
    if (view.base === 'cargo' && sub === 'build' && onBuild && !view.args.some((a) => a.startsWith('--target')) && !mentions(leg, step, 'CARGO_BUILD_TARGET')) {
      add(`cargo:${line}`, line, leg.platform, (p) =>
        `cargo build at line ${toOriginal(line)} runs on the build platform (${pinned}) without --target, so the ${p} image gets a build-platform binary; use xx-cargo or pass --target`
      );
    }
  }
}

/** The RUN or an ENV/ARG of the stage (or a stage it builds on) mentions `name`. */
function mentions(leg: LegAnalysis, step: StepExecution, name: string): boolean {
  return step.run.source.includes(name) || stageChain(leg.graph, step.stage).some((s) => s.vars.some((v) => v.source.includes(name)));
}

/** A literal `ENV NAME=value` in the chain (last one wins). */
function literalEnv(stages: Stage[], name: string): string | undefined {
  for (const stage of stages) {
    for (const v of [...stage.vars].reverse()) {
      const m = new RegExp(`\\b${name}[= ]\\s*["']?([^\\s"']+)`).exec(v.source);
      if (v.keyword === 'ENV' && m) return m[1];
    }
  }
  return undefined;
}
