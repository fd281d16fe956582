/**
 * Where the image's ENTRYPOINT and CMD were written: the lines of the Dockerfile the target stage
 * (or a stage it is built FROM) sets them on. The image config keeps no such trace, and a check
 * that says "shell-form ENTRYPOINT at Dockerfile:5" is one a user can act on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';

/** One instruction: its 1-based line, and whether it is shell form (run by /bin/sh -c). */
export interface InstructionOrigin {
  line: number;
  shell: boolean;
}

/** The instructions that set the program the image runs; a field is absent when unset or unknown. */
export interface ProgramOrigin {
  entrypoint?: InstructionOrigin;
  cmd?: InstructionOrigin;
}

/** A Dockerfile's name for messages, and where its target stage set ENTRYPOINT and CMD. */
export interface DockerfileProgramOrigin extends ProgramOrigin {
  file: string;
}

interface StageFacts {
  name?: string;
  base: string;
  entrypoint?: InstructionOrigin;
  cmd?: InstructionOrigin;
}

/** Pure. `target` is the stage built (the last one when undefined); never throws. */
export function resolveProgramOrigin(text: string, target?: string): ProgramOrigin {
  let stages: StageFacts[];
  try {
    stages = readStages(text);
  } catch {
    return {};
  }
  let stage = target ? stages.find((s) => s.name === target.toLowerCase()) : stages[stages.length - 1];
  const out: ProgramOrigin = {};
  // Follow FROM <stage> chains: a stage inherits what its base stage set, unless it sets its own.
  const seen = new Set<StageFacts>();
  let cmdSettled = false;
  while (stage && !seen.has(stage)) {
    seen.add(stage);
    if (!cmdSettled && stage.cmd) out.cmd = stage.cmd;
    if (!out.entrypoint && stage.entrypoint) out.entrypoint = stage.entrypoint;
    // A stage's CMD wins over its bases'; a stage's ENTRYPOINT clears the CMD it inherits.
    if (stage.cmd || stage.entrypoint) cmdSettled = true;
    const base = stage.base.toLowerCase();
    const index = stages.indexOf(stage);
    stage = stages.slice(0, index).find((s) => s.name === base);
  }
  return out;
}

function readStages(text: string): StageFacts[] {
  const stages: StageFacts[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') {
      const from = instruction as unknown as { getBuildStage(): string | null; getImage(): string | null };
      stages.push({ name: from.getBuildStage()?.toLowerCase() ?? undefined, base: from.getImage() ?? '' });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage || (keyword !== 'ENTRYPOINT' && keyword !== 'CMD')) continue;
    const args = instruction.getArguments().map((a) => a.getValue()).join(' ').trim();
    const origin = { line: instruction.getRange().start.line + 1, shell: !isJsonArray(args) };
    if (keyword === 'ENTRYPOINT') stage.entrypoint = origin;
    else stage.cmd = origin;
  }
  return stages;
}

/** Exec form is a JSON array of strings; anything else BuildKit runs through the shell. */
function isJsonArray(text: string): boolean {
  if (!text.startsWith('[')) return false;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((x) => typeof x === 'string');
  } catch {
    return false;
  }
}

/**
 * The origin for a Dockerfile on disk, named as annotations name it (relative to the workspace,
 * the cwd on a runner); undefined when the file is not here (a merge job without the commit).
 */
export function readProgramOrigin(file: string, target: string | undefined, cwd = process.cwd()): DockerfileProgramOrigin | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const rel = path.relative(cwd, file);
  return { file: rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.basename(file), ...resolveProgramOrigin(text, target) };
}
