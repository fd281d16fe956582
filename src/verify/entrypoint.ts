/**
 * Finds the program an image runs and follows it to the binaries the kernel actually executes:
 * ENTRYPOINT or CMD, through PATH and WorkingDir as runc resolves them, then through `#!` lines
 * (and `/usr/bin/env X`) up to three levels, and for a dynamic ELF to its PT_INTERP loader.
 * All reading happens here; arch-check.ts turns the trace into checks.
 */
import type { ImageConfig } from '../types/oci.js';
import { isElf, parseElf, type ElfInfo } from './elf.js';
import { HEAD_BYTES, type KeepPolicy, type LayerWalker, type Lookup, type ResolvedFile } from './layers.js';
import { baseName, joinPath } from './paths.js';
import { detectShebang, type Shebang } from './shebang.js';

/** Docker's PATH when the image sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** The kernel allows 4 levels of #! (BINPRM recursion); 3 script hops is plenty for real images. */
export const MAX_SCRIPT_DEPTH = 3;
/**
 * A 32-bit ARM binary's .ARM.attributes section (its v6/v7 answer) sits near the end of the file,
 * after the code. Reading the whole file is the simple, exact way to reach it; 64 MiB bounds that
 * for big static binaries (a larger one is reported as "version not verified").
 */
export const ARM_KEEP_BYTES = 64 * 1024 * 1024;

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'mksh']);
const SHELL_WORDS = new Set([
  '.', ':', '[', '[[', '!', '{', '}', 'alias', 'bg', 'break', 'case', 'cd', 'command', 'continue', 'do', 'done', 'echo', 'elif',
  'else', 'esac', 'eval', 'exec', 'exit', 'export', 'false', 'fg', 'fi', 'for', 'function', 'getopts', 'hash', 'if', 'jobs',
  'kill', 'local', 'printf', 'pwd', 'read', 'readonly', 'return', 'select', 'set', 'shift', 'source', 'test', 'then', 'time',
  'times', 'trap', 'true', 'type', 'ulimit', 'umask', 'unalias', 'unset', 'until', 'wait', 'while'
]);

/** Keeps the first HEAD_BYTES of a file, or all of a 32-bit ARM ELF up to ARM_KEEP_BYTES. */
export const keepForElf: KeepPolicy = (head, size) => {
  const isArm32 = isElf(head) && head.length >= 20 && head[4] === 1 && (head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18)) === 40;
  return isArm32 ? Math.min(size, ARM_KEEP_BYTES) : HEAD_BYTES;
};

/** What the runtime starts. */
export interface ProgramChoice {
  /** The config field that supplied argv[0]. */
  source: 'Entrypoint' | 'Cmd';
  argv: string[];
  program: string;
  /** Shell form (`/bin/sh -c "…"`): the program is the shell, and this is the command it runs. */
  shellCommand?: string;
  /** The program a shell-form command starts, when its first word is a plain program name. */
  commandProgram?: string;
}

/** Where a program name is looked up. */
export interface ExecContext {
  path: string[];
  workdir: string;
}

/** A dynamic ELF's loader, looked up in the image. */
export interface LoaderLookup {
  path: string;
  lookup: Lookup;
  elf?: ElfInfo;
  /** Set when the loader was found but is not a usable ELF file. */
  problem?: string;
}

/** One file the kernel executes on the way to running the image. */
export interface TraceStep {
  /** Why it runs: `Entrypoint[0]`, `#! interpreter of /app/run.sh`, … */
  role: string;
  /** The name as written, before PATH and symlinks. */
  name: string;
  file: ResolvedFile;
  elf?: ElfInfo;
  shebang?: Shebang;
  loader?: LoaderLookup;
}

/** Something that makes the program fail before the architecture even matters. */
export interface TraceProblem {
  role: string;
  name: string;
  /** A few words for the `actual` column: `not found`, `not executable`. */
  short: string;
  /** A full sentence with the fix. */
  message: string;
}

/** The files followed from ENTRYPOINT/CMD, and what stood in the way. */
export interface ProgramTrace {
  choice: ProgramChoice;
  context: ExecContext;
  steps: TraceStep[];
  problems: TraceProblem[];
}

/** ENTRYPOINT[0] if there is an ENTRYPOINT, else CMD[0]; undefined when neither is set. */
export function chooseProgram(config: ImageConfig): ProgramChoice | undefined {
  const entrypoint = config.config?.Entrypoint ?? [];
  const cmd = config.config?.Cmd ?? [];
  const source = entrypoint.length > 0 ? 'Entrypoint' : cmd.length > 0 ? 'Cmd' : undefined;
  if (!source) return undefined;
  // The runtime runs ENTRYPOINT with CMD as its arguments; CMD alone only without an ENTRYPOINT.
  const argv = source === 'Entrypoint' ? [...entrypoint, ...cmd] : [...cmd];
  const program = argv[0] as string;
  const choice: ProgramChoice = { source, argv, program };
  const command = argv[2];
  if (SHELLS.has(baseName(program)) && argv[1] === '-c' && command !== undefined) {
    choice.shellCommand = command;
    const first = firstProgramWord(command);
    if (first) choice.commandProgram = first;
  }
  return choice;
}

/** PATH (the image's last PATH= wins, as in the runtime's environment) and WorkingDir. */
export function execContext(config: ImageConfig): ExecContext {
  const env = config.config?.Env ?? [];
  const pathVar = [...env].reverse().find((e) => e.startsWith('PATH='));
  const workdir = joinPath('/', config.config?.WorkingDir || '/');
  return { path: (pathVar ? pathVar.slice(5) : DEFAULT_PATH).split(':'), workdir };
}

/** Follows the image's program to every file the kernel executes. Rejects only with LayerReadError. */
export async function traceProgram(walker: LayerWalker, config: ImageConfig): Promise<ProgramTrace | undefined> {
  const choice = chooseProgram(config);
  if (!choice) return undefined;
  const trace: ProgramTrace = { choice, context: execContext(config), steps: [], problems: [] };
  await follow(walker, trace, choice.program, `${choice.source}[0]`, true, 0);
  if (choice.commandProgram) await follow(walker, trace, choice.commandProgram, 'first word of the shell command', true, 0);
  return trace;
}

/**
 * Looks up a program as runc does: a name with a slash is a path (relative to WorkingDir); a
 * bare name is searched in PATH, where only regular files with an execute bit count.
 */
export async function findProgram(walker: LayerWalker, context: ExecContext, name: string, search: boolean): Promise<Lookup> {
  if (name === '') return { found: false, path: '', reason: 'the program name is empty', hops: [] };
  if (!search || name.includes('/')) {
    const lookup = await walker.resolve(joinPath(context.workdir, name));
    return lookup.found ? lookup : { ...lookup, reason: `${joinPath(context.workdir, name)} does not exist: ${lookup.reason}` };
  }
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const dir of context.path) {
    const candidate = joinPath(joinPath(context.workdir, dir), name);
    if (seen.has(candidate)) continue;
    seen.add(candidate);
    const lookup = await walker.resolve(candidate);
    if (!lookup.found) continue;
    if (lookup.file.kind !== 'file') skipped.push(`${candidate} is ${lookup.file.kind === 'dir' ? 'a directory' : 'not a regular file'}`);
    else if ((lookup.file.mode & 0o111) === 0) skipped.push(`${candidate} is not executable (mode ${octal(lookup.file.mode)})`);
    else return lookup;
  }
  const why = skipped.length ? `; skipped ${skipped.join(', ')}` : '';
  return { found: false, path: name, reason: `"${name}" is in none of the PATH directories (${context.path.join(':')})${why}`, hops: [] };
}

async function follow(walker: LayerWalker, trace: ProgramTrace, name: string, role: string, search: boolean, depth: number): Promise<void> {
  const problem = (short: string, message: string): void => {
    trace.problems.push({ role, name, short, message });
  };
  const lookup = await findProgram(walker, trace.context, name, search);
  if (!lookup.found) return problem('not found', `${role} "${name}": ${lookup.reason}. Starting the container fails with "no such file or directory".`);
  const file = lookup.file;
  const step: TraceStep = { role, name, file };
  trace.steps.push(step);
  if (file.kind !== 'file') return problem('not a file', `${role} ${file.path} is ${file.kind === 'dir' ? 'a directory' : 'not a regular file'}, so it cannot be executed.`);
  if ((file.mode & 0o111) === 0) {
    problem('not executable', `${file.path} is not executable (mode ${octal(file.mode)}): starting it fails with "permission denied". Set the mode with COPY --chmod=755 or RUN chmod +x.`);
  }
  if (isElf(file.head)) {
    try {
      step.elf = elfOf(file);
    } catch (err) {
      return problem('broken ELF', `${file.path} starts like an ELF binary but is not a valid one (${(err as Error).message}); the kernel refuses it with "exec format error".`);
    }
    if (step.elf.interpreter) step.loader = await findLoader(walker, trace.context, step.elf.interpreter);
    return;
  }
  const shebang = detectShebang(file.head);
  if (!shebang) {
    const what = file.size === 0 ? 'is empty' : `starts with bytes ${hex(file.head)}`;
    return problem('not a program', `${file.path} is neither an ELF binary nor a #! script (it ${what}); the kernel refuses it with "exec format error".`);
  }
  step.shebang = shebang;
  if (shebang.crlf) {
    problem('CRLF line endings', `${file.path} has Windows (CRLF) line endings, so its #! line asks for "${shebang.line.trim().replace(/\r$/, '')}\\r" and the kernel fails with "bad interpreter". Convert it to LF (dos2unix, or "* text eol=lf" in .gitattributes).`);
  }
  const interpreter = shebang.interpreter.replace(/\r$/, '');
  if (!interpreter) return problem('empty #!', `${file.path} starts with "#!" but names no interpreter.`);
  if (depth >= MAX_SCRIPT_DEPTH) return problem('too many #!', `${file.path} is a #! script ${depth} interpreters deep; multiarch follows at most ${MAX_SCRIPT_DEPTH} levels of #! interpreters.`);
  // The kernel does not search PATH for a #! interpreter; a relative one is relative to the working directory.
  await follow(walker, trace, interpreter, `#! interpreter of ${file.path}`, false, depth + 1);
  if (baseName(interpreter) === 'env' && shebang.arg !== undefined) {
    const arg = shebang.arg.replace(/\r$/, '');
    const target = envProgram(arg);
    if (target === undefined) {
      return problem('env argument', `${file.path} runs "#!${interpreter} ${arg}": Linux passes "${arg}" to env as ONE argument, so env looks for a program with that whole name. Use "#!${interpreter} -S ${arg}" or drop the extra words.`);
    }
    await follow(walker, trace, target, `${target}, run by env from the #! of ${file.path}`, true, depth + 1);
  }
}

async function findLoader(walker: LayerWalker, context: ExecContext, path: string): Promise<LoaderLookup> {
  const lookup = await walker.resolve(joinPath(context.workdir, path));
  const loader: LoaderLookup = { path, lookup };
  if (!lookup.found) return loader;
  if (lookup.file.kind !== 'file') {
    loader.problem = `${lookup.file.path} is ${lookup.file.kind === 'dir' ? 'a directory' : 'not a regular file'}`;
  } else if (!isElf(lookup.file.head)) {
    loader.problem = `${lookup.file.path} is not an ELF file (it starts with bytes ${hex(lookup.file.head)})`;
  } else {
    try {
      loader.elf = elfOf(lookup.file);
    } catch (err) {
      loader.problem = `${lookup.file.path} is not a valid ELF file (${(err as Error).message})`;
    }
  }
  return loader;
}

/** The file's ELF header facts: parsed already by a whole-layer scan, or now from its head. */
function elfOf(file: ResolvedFile): ElfInfo {
  if (file.facts?.elf) return file.facts.elf;
  if (file.facts?.error) throw new Error(file.facts.error);
  return parseElf(file.head);
}

/** The program `env` runs, given its single #! argument; undefined when env would take it as one odd name. */
function envProgram(arg: string): string | undefined {
  const words = arg.split(/[ \t]+/).filter(Boolean);
  if (words.length === 1 && !arg.startsWith('-')) return words[0];
  // With -S, env splits the argument itself: skip its options and NAME=value assignments.
  if (words[0] !== '-S' && !words[0]?.startsWith('-S')) return undefined;
  const rest = words[0] === '-S' ? words.slice(1) : [words[0].slice(2), ...words.slice(1)].filter(Boolean);
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] as string;
    if (/^-[uCP]$/.test(word)) i++;
    else if (word.startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) continue;
    else return word;
  }
  return undefined;
}

/** `exec /app/server --port 80` → `/app/server`; undefined for anything that needs a real shell parser. */
function firstProgramWord(command: string): string | undefined {
  for (const word of command.trim().split(/[ \t\n]+/)) {
    if (word.startsWith('-')) return undefined;
    if (word === 'exec' || /^[A-Za-z_][A-Za-z0-9_]*=[^\s'"`$\\]*$/.test(word)) continue;
    if (!/^[A-Za-z0-9_./+@%:,-]+$/.test(word) || SHELL_WORDS.has(word)) return undefined;
    return word;
  }
  return undefined;
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

function hex(bytes: Buffer): string {
  return [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ') || '(none)';
}
