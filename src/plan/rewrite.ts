/**
 * Apply the cross-compile rewrite to the Dockerfile text: pin each candidate's root stage to
 * `$BUILDPLATFORM`; for Go, declare `ARG TARGETOS TARGETARCH TARGETVARIANT` in the stages that
 * compile and put `CGO_ENABLED=0 GOOS GOARCH GOARM` in front of each `go build` (a stage with
 * `go install` is never rewritten: see rewrite-safety.ts).
 * The user's file is never touched; the caller writes `text` to a temp file.
 */
import type { Rewrite } from '../types/plan.js';
import type { DockerfileModel, Stage } from './dockerfile.js';
import { unifiedDiff } from './diff.js';
import type { CommandView } from './simple-command.js';
import type { RewriteCandidate } from './rewrite-plan.js';

/** The rewritten Dockerfile. */
export interface RewriteOutput {
  text: string;
  diff: string;
  /** rewritten line (index + 1) → original line, 0 for an inserted line; lets messages cite the user's file. */
  lineMap: number[];
  rewrites: Rewrite[];
}

interface Edit {
  at: number;
  remove: number;
  insert: string;
}

const TARGET_ARGS = ['TARGETOS', 'TARGETARCH', 'TARGETVARIANT'];
/**
 * GOARM only for arm: TARGETVARIANT is `v7` there but may be `v2`/`v3` for amd64, and Go rejects
 * GOARM values other than 5, 6 and 7 whatever GOARCH is. The shell expands this inside RUN, so it
 * does not depend on the Dockerfile frontend supporting `${VAR#pattern}`.
 */
const GOARM = 'GOARM=$([ "$TARGETARCH" = arm ] && echo "${TARGETVARIANT#v}")';

/** Apply the safe candidates; `path` names the file in the diff. */
export function applyRewrites(model: DockerfileModel, candidates: readonly RewriteCandidate[], path: string): RewriteOutput {
  const edits: Edit[] = [];
  const insertedBefore = new Set<number>();
  const offsets = lineOffsets(model.text);
  // Keep the file's own line endings (a CRLF Dockerfile stays CRLF).
  const eol = model.text.includes('\r\n') ? '\r\n' : '\n';
  for (const c of candidates) {
    edits.push(pinEdit(c.root));
    if (c.kind !== 'go') continue;
    for (const stage of c.stages) {
      const commands = c.goCommands.filter((g) => g.stage.index === stage.index);
      if (!commands.length) continue;
      const missing = TARGET_ARGS.filter((name) => !declaresArg(stage, name, commands[0]!.line));
      // Insert at the start of the line after the FROM; a Dockerfile ending in FROM has no go build.
      if (missing.length && stage.fromEndLine < offsets.length) {
        edits.push({ at: offsets[stage.fromEndLine]!, remove: 0, insert: `ARG ${missing.join(' ')}${eol}` });
        insertedBefore.add(stage.fromEndLine + 1);
      }
      for (const { command } of commands) edits.push({ at: command.offset, remove: 0, insert: goPrefix(command.view) });
    }
  }
  let text = model.text;
  for (const e of [...edits].sort((a, b) => b.at - a.at)) text = text.slice(0, e.at) + e.insert + text.slice(e.at + e.remove);

  const lineMap: number[] = [];
  const originalLines = offsets.length;
  for (let line = 1; line <= originalLines; line++) {
    if (insertedBefore.has(line)) lineMap.push(0);
    lineMap.push(line);
  }
  const diff = unifiedDiff(model.text, text, path);
  const rewrites = candidates.map((c) => ({ kind: c.kind, line: c.root.line, diff }));
  return { text, diff, lineMap, rewrites };
}

/** `FROM golang` → `FROM --platform=$BUILDPLATFORM golang`; an explicit `$TARGETPLATFORM` is replaced. */
function pinEdit(root: Stage): Edit {
  if (root.platformFlag) return { at: root.platformFlag.start, remove: root.platformFlag.end - root.platformFlag.start, insert: '$BUILDPLATFORM' };
  return { at: root.keywordEnd, remove: 0, insert: ' --platform=$BUILDPLATFORM' };
}

/**
 * Assignments for a go build, leaving out what the command already sets (its own value wins
 * anyway). The shell honours `NAME=value` only at the start of a simple command: behind `exec`,
 * `nohup`, `time` (/usr/bin/time in dash) or `sudo` it would be run as a program named
 * `CGO_ENABLED=0`, and sudo drops the environment it is given. So behind a wrapper the assignments
 * go to `env`, right before go, which sets them whatever ran it; behind `env` itself they are
 * arguments env already understands.
 */
function goPrefix(view: CommandView): string {
  const parts = [
    ['CGO_ENABLED', 'CGO_ENABLED=0'],
    ['GOOS', 'GOOS=$TARGETOS'],
    ['GOARCH', 'GOARCH=$TARGETARCH'],
    ['GOARM', GOARM]
  ].filter(([name]) => !view.assignments.has(name!));
  const text = parts.map(([, t]) => `${t} `).join('');
  const last = view.wrappers.at(-1);
  return text && last && last !== 'env' ? `env ${text}` : text;
}

function declaresArg(stage: Stage, name: string, beforeLine: number): boolean {
  return stage.vars.some((v) => v.keyword === 'ARG' && v.line < beforeLine && new RegExp(`^ARG\\s+(.*\\s)?${name}(=|\\s|$)`, 'i').test(v.source));
}

function lineOffsets(text: string): number[] {
  const offsets = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) if (i + 1 < text.length) offsets.push(i + 1);
  return offsets;
}
