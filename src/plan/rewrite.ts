/**
 * Apply the cross-compile rewrite to the Dockerfile text: pin each candidate's root stage to
 * `$BUILDPLATFORM`; for Go, declare `ARG TARGETOS TARGETARCH TARGETVARIANT` in the stages that
 * compile and put `CGO_ENABLED=0 GOOS GOARCH GOARM` in front of each `go build` (and `xcaddy
 * build`, `goreleaser build`, `go install`; after a cross-compiled `go install` its binaries are
 * moved to where a native one puts them). Also declares the platform ARGs a stage uses but never
 * declares (target-args.ts). The user's file is never touched; the caller writes `text` to a
 * temp file.
 */
import type { Rewrite } from '../types/plan.js';
import type { DockerfileModel, Stage } from './dockerfile.js';
import { unifiedDiff } from './diff.js';
import type { CommandView } from './simple-command.js';
import type { RewriteCandidate } from './rewrite-plan.js';
import type { MissingArgs } from './target-args.js';

/** The rewritten Dockerfile. */
export interface RewriteOutput {
  text: string;
  diff: string;
  /** rewritten line (index + 1) → original line, 0 for an inserted line; lets messages cite the user's file. */
  lineMap: number[];
  rewrites: Rewrite[];
}

/** Replace `remove` characters at offset `at` with `insert`. */
export interface Edit {
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

/**
 * After a cross-compiled `go install`: its binaries are in $GOPATH/bin/<os>_<arch>/ (first GOPATH
 * entry); move them to $GOBIN (made if missing, as go install does) or $GOPATH/bin, where the
 * as-written build puts them. POSIX sh only
 * (dash, busybox ash).
 */
const GO_INSTALL_MOVE =
  ' && { d=$(go env GOPATH); d="${d%%:*}/bin"; t="$d/${TARGETOS}_${TARGETARCH}"; if [ -d "$t" ]; then mkdir -p "${GOBIN:-$d}" && mv "$t"/* "${GOBIN:-$d}/" && rmdir "$t"; fi; }';

/** Apply the safe candidates and ARG fixes; `path` names the file in the diff. */
export function applyRewrites(model: DockerfileModel, candidates: readonly RewriteCandidate[], path: string, argFixes: readonly MissingArgs[] = []): RewriteOutput {
  const edits: Edit[] = [];
  const argsFor = new Map<number, { stage: Stage; names: string[] }>();
  const addArgs = (stage: Stage, names: string[]) => {
    const entry = argsFor.get(stage.index) ?? { stage, names: [] };
    for (const n of names) if (!entry.names.includes(n)) entry.names.push(n);
    argsFor.set(stage.index, entry);
  };
  for (const c of candidates) {
    edits.push(pinEdit(c.root));
    if (c.kind !== 'go') continue;
    for (const stage of c.stages) {
      const commands = c.goCommands.filter((g) => g.stage.index === stage.index);
      if (!commands.length) continue;
      addArgs(stage, TARGET_ARGS.filter((name) => !declaresArg(stage, name, commands[0]!.line)));
      for (const { command, goInstall } of commands) {
        edits.push({ at: command.offset, remove: 0, insert: goPrefix(command.view, goInstall) });
        if (goInstall) edits.push({ at: command.end, remove: 0, insert: GO_INSTALL_MOVE });
      }
    }
  }
  for (const fix of argFixes) addArgs(fix.stage, fix.names);
  const { text, lineMap } = applyEdits(model.text, edits, [...argsFor.values()].map(({ stage, names }) => ({ stage, line: `ARG ${names.join(' ')}` })));
  const diff = unifiedDiff(model.text, text, path);
  const rewrites: Rewrite[] = [...candidates.map((c) => ({ kind: c.kind, line: c.root.line, diff })), ...argFixes.map((f) => ({ kind: 'arg' as const, line: f.line, diff }))];
  return { text, diff, lineMap, rewrites };
}

/** A line to insert right after a stage's FROM. */
export interface StageLine {
  stage: Stage;
  line: string;
}

/**
 * Apply offset edits and lines inserted after FROMs, keeping the file's line endings; the line
 * map sends each new line to the original one (0 for an inserted line).
 */
export function applyEdits(original: string, edits: readonly Edit[], afterFrom: readonly StageLine[] = []): { text: string; lineMap: number[] } {
  const offsets = lineOffsets(original);
  // Keep the file's own line endings (a CRLF Dockerfile stays CRLF).
  const eol = original.includes('\r\n') ? '\r\n' : '\n';
  const all = [...edits];
  const insertedBefore = new Set<number>();
  for (const { stage, line } of afterFrom) {
    // Insert at the start of the line after the FROM; a Dockerfile that ends in its FROM has nothing to fix.
    if (stage.fromEndLine >= offsets.length || !line) continue;
    all.push({ at: offsets[stage.fromEndLine]!, remove: 0, insert: `${line}${eol}` });
    insertedBefore.add(stage.fromEndLine + 1);
  }
  let text = original;
  for (const e of all.sort((a, b) => b.at - a.at)) text = text.slice(0, e.at) + e.insert + text.slice(e.at + e.remove);

  const lineMap: number[] = [];
  for (let line = 1; line <= offsets.length; line++) {
    if (insertedBefore.has(line)) lineMap.push(0);
    lineMap.push(line);
  }
  return { text, lineMap };
}

/** `FROM golang` → `FROM --platform=$BUILDPLATFORM golang`; an explicit `$TARGETPLATFORM` is replaced. */
export function pinEdit(root: Stage): Edit {
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
function goPrefix(view: CommandView, goInstall = false): string {
  const parts = [
    ['CGO_ENABLED', 'CGO_ENABLED=0'],
    ['GOOS', 'GOOS=$TARGETOS'],
    ['GOARCH', 'GOARCH=$TARGETARCH'],
    ['GOARM', GOARM],
    // go install refuses to cross-compile with GOBIN set; the move afterwards honours it.
    ...(goInstall ? [['GOBIN', 'GOBIN=']] : [])
  ].filter(([name]) => !view.assignments.has(name!));
  const text = parts.map(([, t]) => `${t} `).join('');
  const last = view.wrappers.at(-1);
  return text && last && last !== 'env' ? `env ${text}` : text;
}

export function declaresArg(stage: Stage, name: string, beforeLine: number): boolean {
  return stage.vars.some((v) => v.keyword === 'ARG' && v.line < beforeLine && new RegExp(`^ARG\\s+(.*\\s)?${name}(=|\\s|$)`, 'i').test(v.source));
}

function lineOffsets(text: string): number[] {
  const offsets = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) if (i + 1 < text.length) offsets.push(i + 1);
  return offsets;
}
