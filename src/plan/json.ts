/**
 * The plan as JSON, for the action's `plan` output and `multiarch plan --json`. The shape is a
 * contract, so it is built field by field rather than by serialising the Plan:
 *
 * ```json
 * {
 *   "platforms": [{
 *     "platform": "linux/arm64",
 *     "strategy": "native" | "cross" | "emulated",
 *     "language": "go",
 *     "emulatedSteps": [{ "stage": "build", "line": 7 }],
 *     "rewrite": { "kind": "go" | "jvm" | "node" | "arg", "line": 3 } | null,
 *     "fallback": { "error": "…", "rewrite": { "kind": "go", "line": 3 } } | null,
 *     "savings": { "emulatedRuns": 1, "built": "cross", "ratio": 3.8, "source": "…",
 *                  "legMs": 61500, "emulatedMs": 233700, "crossMs": 61500, "basis": "measured ratio" } | null,
 *     "reasons": ["…"]
 *   }],
 *   "languages": ["go"],
 *   "qemu": ["linux/arm64"],
 *   "warnings": [{ "file": "Dockerfile", "line": 3, "message": "…", "diff": "--- a/Dockerfile…" }]
 * }
 * ```
 *
 * A warning's fix hint is appended to its message, since the JSON has no separate field for it.
 */
import type { Plan, RewriteKind, Savings, Strategy } from '../types/plan.js';

/** The JSON document, typed. */
export interface PlanJson {
  platforms: {
    platform: string;
    strategy: Strategy;
    language: string;
    emulatedSteps: { stage: string; line: number }[];
    rewrite: { kind: RewriteKind; line: number } | null;
    /** The rewritten leg failed and was rebuilt as written: the rewrite and its error (strategy then describes the rebuild). */
    fallback: { error: string; rewrite: { kind: RewriteKind; line: number } } | null;
    /** What cross-compiling saves here, when the file as written compiles under QEMU (times after a build). */
    savings: Savings | null;
    reasons: string[];
  }[];
  languages: string[];
  qemu: string[];
  /** `diff`: the fix as a unified diff of the Dockerfile, when it is an exact edit (.NET, Zig). */
  warnings: { file: string; line: number; message: string; diff?: string }[];
}

/** The plan in the documented JSON shape; `JSON.stringify` it for the wire. */
export function toPlanJson(plan: Plan): PlanJson {
  return {
    platforms: plan.platforms.map((p) => ({
      platform: p.platform,
      strategy: p.strategy,
      language: p.language,
      emulatedSteps: p.emulatedSteps.map((s) => ({ stage: s.stage, line: s.line })),
      rewrite: p.rewrite ? { kind: p.rewrite.kind, line: p.rewrite.line } : null,
      fallback: p.fallback ? { error: p.fallback.error, rewrite: { kind: p.fallback.rewrite.kind, line: p.fallback.rewrite.line } } : null,
      savings: p.savings ? { ...p.savings } : null,
      reasons: [...p.reasons]
    })),
    languages: [...plan.languages],
    qemu: [...plan.qemu],
    warnings: plan.warnings.map((w) => ({ file: w.file, line: w.line, message: w.hint ? `${w.message}. Fix: ${w.hint}` : w.message, ...(w.diff ? { diff: w.diff } : {}) }))
  };
}

