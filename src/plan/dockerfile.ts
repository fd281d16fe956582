/**
 * Dockerfile → a plain model of stages and the instructions the planner cares about, parsed with
 * dockerfile-ast (continuations, heredocs, flags, JSON form). Positions are kept as offsets into
 * the original text so the rewrite can edit it in place, and lines are 1-based for messages.
 */
import { DockerfileParser } from 'dockerfile-ast';
import type { Arg, Copy, From, Run } from 'dockerfile-ast';
import type { GlobalArg } from './args.js';

/** A piece of shell script inside a RUN and where it starts in the Dockerfile text. */
export interface ScriptSegment {
  text: string;
  /** Offset of `text` in the Dockerfile; -1 for exec form, which can't be edited as shell. */
  offset: number;
}

/** A RUN instruction. */
export interface RunStep {
  /** 1-based first line. */
  line: number;
  /** JSON (exec) form: no shell, so nothing can be injected. */
  exec: boolean;
  /** Shell script parts: the command line, and heredoc bodies that the shell runs. */
  segments: ScriptSegment[];
  /** Heredoc bodies fed to a non-shell program (`RUN python3 <<EOF`): opaque. */
  opaque: boolean;
  /** `from=` values of `--mount` flags. */
  mountFrom: string[];
  /** The same mounts with the path they take from the other stage (`source=`, `/` when absent). */
  mounts: StageReference[];
  /** Whole instruction text, for scans such as CGO_ENABLED. */
  source: string;
}

/** A `COPY|ADD --from=` or `RUN --mount=…,from=`: what one stage takes from another. */
export interface StageReference {
  /** `--from` / `from=` value as written. */
  from: string;
  /** Source paths in the other stage, as written (relative ones start at its `/`). */
  sources: string[];
  line: number;
}

/** An instruction kept for scans (ENV, ARG) with its text. */
export interface PlainInstruction {
  keyword: string;
  line: number;
  source: string;
}

/** One build stage. */
export interface Stage {
  index: number;
  /** `AS` name, lowercased as BuildKit does; undefined for unnamed stages. */
  name?: string;
  /** Name for messages: the `AS` name, else the index. */
  label: string;
  /** 1-based line of the FROM. */
  line: number;
  /** 1-based last line of the FROM instruction (continuations included). */
  fromEndLine: number;
  /** Base as written, unexpanded: an image, a stage name, or `scratch`. */
  image: string;
  /** `--platform` value as written, and its offsets. */
  platformFlag?: { value: string; start: number; end: number };
  /** Offset just after the FROM keyword, where a `--platform` flag can be inserted. */
  keywordEnd: number;
  runs: RunStep[];
  /** `COPY --from` / `ADD --from` values as written. */
  copyFrom: string[];
  /** The same instructions with their source paths. */
  copies: StageReference[];
  /** ENV and ARG instructions of the stage. */
  vars: PlainInstruction[];
}

/** A parsed Dockerfile. */
export interface DockerfileModel {
  text: string;
  globalArgs: GlobalArg[];
  stages: Stage[];
}

const SHELLS = /^(\/bin\/|\/usr\/bin\/)?(sh|bash|ash|dash)$/;
/** Commands that only store a heredoc body (`RUN cat <<EOF > /etc/app.conf`): the body is data. */
const DATA_SINKS = /^(cat|tee)$/;

/** Parse a Dockerfile. Throws when it has no FROM. */
export function parseDockerfile(text: string): DockerfileModel {
  const df = DockerfileParser.parse(text);
  const offsets = lineOffsets(text);
  const at = (line: number, character: number) => (offsets[line] ?? text.length) + character;
  const globalArgs: GlobalArg[] = [];
  const stages: Stage[] = [];

  for (const instruction of df.getInstructions()) {
    const keyword = instruction.getKeyword();
    const range = instruction.getRange();
    const line = range.start.line + 1;
    const source = text.slice(at(range.start.line, range.start.character), at(range.end.line, range.end.character));
    const stage = stages[stages.length - 1];
    if (keyword === 'FROM') {
      stages.push(readFrom(instruction as From, stages.length, at, line, range.end.line + 1));
    } else if (!stage) {
      if (keyword === 'ARG') globalArgs.push(...readArgs(instruction as Arg));
    } else if (keyword === 'RUN') {
      stage.runs.push(readRun(instruction as Run, text, at, line, source));
    } else if (keyword === 'COPY' || keyword === 'ADD') {
      const copy = instruction as Copy;
      const from = copy.getFlags().find((f) => f.getName() === 'from')?.getValue();
      if (from) {
        stage.copyFrom.push(from);
        stage.copies.push({ from, sources: copySources(copy), line });
      }
    } else if (keyword === 'ENV' || keyword === 'ARG') {
      stage.vars.push({ keyword, line, source });
    }
  }
  if (!stages.length) throw new Error('the Dockerfile has no FROM instruction');
  return { text, globalArgs, stages };
}

function readArgs(instruction: Arg): GlobalArg[] {
  return instruction.getProperties().map((p) => {
    const value = p.getValue();
    return value === null ? { name: p.getName() } : { name: p.getName(), default: value };
  });
}

function readFrom(from: From, index: number, at: (l: number, c: number) => number, line: number, endLine: number): Stage {
  const name = from.getBuildStage()?.toLowerCase();
  const flag = from.getPlatformFlag();
  const valueRange = flag?.getValueRange();
  const kw = from.getInstructionRange();
  return {
    index,
    name,
    label: name ?? String(index),
    line,
    fromEndLine: endLine,
    image: from.getImage() ?? '',
    platformFlag:
      flag && valueRange
        ? { value: flag.getValue() ?? '', start: at(valueRange.start.line, valueRange.start.character), end: at(valueRange.end.line, valueRange.end.character) }
        : undefined,
    keywordEnd: at(kw.end.line, kw.end.character),
    runs: [],
    copyFrom: [],
    copies: [],
    vars: []
  };
}

/** Source paths of a COPY/ADD: every argument but the destination, JSON form included. */
function copySources(copy: Copy): string[] {
  const json = copy.getJSONStrings();
  const args = json.length ? json.map((a) => a.getJSONValue()) : copy.getArguments().map((a) => a.getValue());
  return args.slice(0, -1);
}

function readRun(run: Run, text: string, at: (l: number, c: number) => number, line: number, source: string): RunStep {
  const mounts: StageReference[] = [];
  for (const flag of run.getFlags().filter((f) => f.getName() === 'mount')) {
    const from = flag.getOption('from')?.getValue();
    if (from) mounts.push({ from, sources: [flag.getOption('source')?.getValue() || flag.getOption('src')?.getValue() || '/'], line });
  }
  const mountFrom = mounts.map((m) => m.from);
  const args = run.getArguments();
  const end = at(run.getRange().end.line, run.getRange().end.character);
  const step: RunStep = { line, exec: false, segments: [], opaque: false, mountFrom, mounts, source };
  if (!args.length) return step;

  const first = args[0]!.getRange().start;
  const start = at(first.line, first.character);
  const execForm = readExecForm(text.slice(start, end));
  if (execForm !== undefined) {
    step.exec = true;
    step.segments.push({ text: execForm, offset: -1 });
    return step;
  }
  const heredocs = run.getHeredocs();
  if (!heredocs.length) {
    step.segments.push({ text: text.slice(start, end), offset: start });
    return step;
  }
  // The command line up to the end of its line; heredoc operators are blanked (same length, so
  // offsets hold) and the bodies are added as segments when the command is a shell.
  const eol = text.indexOf('\n', start);
  const commandLine = text.slice(start, eol < 0 ? end : Math.min(eol, end)).replace(/<<-?\s*(["']?)[A-Za-z0-9_.-]+\1/g, (m) => ' '.repeat(m.length));
  step.segments.push({ text: commandLine, offset: start });
  const shell = commandLine.split(/\s+/).filter((w) => w && !w.startsWith('-'));
  if (shell.length === 0 || (shell.length === 1 && SHELLS.test(shell[0]!))) {
    for (const doc of heredocs) {
      const r = doc.getContentRange();
      if (!r) continue;
      const from = at(r.start.line, r.start.character);
      step.segments.push({ text: text.slice(from, at(r.end.line, r.end.character)), offset: from });
    }
  } else if (!DATA_SINKS.test(shell[0]!)) {
    // `RUN python3 <<EOF`: a program we can't read runs the body.
    step.opaque = true;
  }
  return step;
}

/** The argv of an exec-form RUN joined by spaces, or undefined for shell form (`RUN [ -f x ] && …`). */
function readExecForm(json: string): string | undefined {
  if (!json.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(json);
    if (Array.isArray(parsed) && parsed.every((a) => typeof a === 'string')) return parsed.join(' ');
  } catch {
    // Not valid JSON: BuildKit then runs it as shell form, and so do we.
  }
  return undefined;
}

function lineOffsets(text: string): number[] {
  const offsets = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) offsets.push(i + 1);
  return offsets;
}
