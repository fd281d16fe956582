/**
 * A RUN instruction read as its simple commands, each classified, with the offset of its
 * command name in the Dockerfile (where the Go rewrite inserts GOOS/GOARCH).
 */
import { classifyCommand, type CommandKind } from './classify.js';
import type { RunStep } from './dockerfile.js';
import type { Language } from './languages.js';
import { splitCommands } from './shell.js';
import { describeCommand, viewCommand, type CommandView } from './simple-command.js';

/** One simple command of a RUN. */
export interface RunCommand {
  view: CommandView;
  kind: CommandKind;
  /** Offset of the command name in the Dockerfile; -1 in exec form (nothing can be inserted). */
  offset: number;
  /** Offset just past the command's last word; -1 in exec form. */
  end: number;
  /** The operator that follows the command: `&&`, `||`, `;`, `|`, `&`, or '' at the end of a line or script. */
  next: string;
}

/** What a RUN does, in one place. */
export interface RunSummary {
  commands: RunCommand[];
  language?: Language;
  /** Some command compiles (or installs native code). */
  compile: boolean;
  /** Every command is light (package installs, file operations). */
  light: boolean;
  /** The command that best describes the RUN, e.g. `go build -o /out .`. */
  summary: string;
}

/** Read a RUN; `hint` is the language of the stage's base image. */
export function readRun(run: RunStep, hint?: Language): RunSummary {
  const commands: RunCommand[] = [];
  for (const segment of run.segments) {
    for (const words of splitCommands(segment.text)) {
      const view = viewCommand(words);
      if (!view.name) continue;
      const offset = segment.offset < 0 || !view.nameWord ? -1 : segment.offset + view.nameWord.start;
      const last = words[words.length - 1]!;
      const next = /^[ \t]*(?:\\\r?\n[ \t]*)*(&&|\|\||;|\||&)?/.exec(segment.text.slice(last.end))![1] ?? '';
      commands.push({ view, kind: classifyCommand(view, hint), offset, end: segment.offset < 0 ? -1 : segment.offset + last.end, next });
    }
  }
  const main = commands.find((c) => c.kind.compile) ?? commands.find((c) => c.kind.language) ?? commands[0];
  return {
    commands,
    language: main?.kind.language,
    compile: commands.some((c) => c.kind.compile),
    light: commands.length > 0 && !run.opaque && commands.every((c) => c.kind.light),
    summary: main ? describeCommand(main.view) : run.source.replace(/^RUN\s+/i, '').split('\n')[0]!.slice(0, 60)
  };
}
