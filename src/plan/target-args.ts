/**
 * `GOARCH=$TARGETARCH` in a stage that never declares `ARG TARGETARCH`: BuildKit only gives a
 * stage the automatic platform ARGs it declares (or that a stage it builds on declares), so the
 * variable expands to empty and Go quietly builds for the machine the stage runs on. Found per
 * stage, with the line of the first use, so the warning sits on it and the rewrite can add the ARG.
 */
import type { Stage } from './dockerfile.js';
import type { LegAnalysis } from './execution.js';
import { stageChain } from './stages.js';

/** The automatic platform ARGs (Dockerfile reference, "Automatic platform ARGs in the global scope"). */
export const PLATFORM_ARGS = ['TARGETPLATFORM', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT', 'BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIANT'] as const;

/** Platform ARGs a stage uses without declaring them. */
export interface MissingArgs {
  stage: Stage;
  /** Names, in the order of PLATFORM_ARGS. */
  names: string[];
  /** Line of the first instruction that uses one. */
  line: number;
  /** The instruction's first line, for the message. */
  source: string;
}

/** Every reachable stage's undeclared platform ARGs, over all legs, in file order. */
export function findMissingArgs(legs: readonly LegAnalysis[]): MissingArgs[] {
  const found = new Map<number, MissingArgs>();
  for (const leg of legs) {
    for (const stage of leg.graph.reachable) {
      if (found.has(stage.index)) continue;
      const missing = missingIn(stage, stageChain(leg.graph, stage).slice(1));
      if (missing) found.set(stage.index, missing);
    }
  }
  return [...found.values()].sort((a, b) => a.line - b.line);
}

function missingIn(stage: Stage, parents: Stage[]): MissingArgs | undefined {
  const uses = [...stage.runs.map((r) => ({ line: r.line, text: r.source })), ...stage.vars.filter((v) => v.keyword === 'ENV').map((v) => ({ line: v.line, text: v.source }))].sort(
    (a, b) => a.line - b.line
  );
  const names: string[] = [];
  let first: { line: number; text: string } | undefined;
  for (const use of uses) {
    for (const name of PLATFORM_ARGS) {
      if (names.includes(name) || !new RegExp(`\\$\\{?${name}\\b`).test(use.text)) continue;
      // The RUN sets it itself (`TARGETARCH=$(uname -m)`, `for TARGETARCH in …`).
      if (new RegExp(`\\b${name}=|\\bfor\\s+${name}\\b`).test(use.text)) continue;
      if (declared(stage, name, use.line) || parents.some((p) => declared(p, name, Infinity))) continue;
      names.push(name);
      first ??= use;
    }
  }
  return first ? { stage, names, line: first.line, source: first.text.split('\n')[0]!.trim() } : undefined;
}

/** `ARG NAME` (or `ENV NAME=`) in the stage before `line`. */
function declared(stage: Stage, name: string, line: number): boolean {
  return stage.vars.some((v) => v.line < line && new RegExp(`^(ARG|ENV)\\s+(.*\\s)?${name}(=|\\s|$)`, 'i').test(v.source));
}
