/**
 * The parts of one simple command that matter to the planner: leading `NAME=value` assignments,
 * the command name (past `env`, `exec`, `sudo`, `then`, `if` …) and its arguments without
 * redirections.
 */
import type { Word } from './shell.js';

/** A simple command, read. */
export interface CommandView {
  /** `NAME=value` assignments before the command, including those given to `env`. */
  assignments: Map<string, string>;
  /** Command name as written (`go`, `./gradlew`, `/usr/bin/make`); '' for a bare assignment or keyword. */
  name: string;
  /** Base name of the command (`./gradlew` → `gradlew`). */
  base: string;
  /** Word holding the command name; the rewrite inserts GOOS/GOARCH right before it. */
  nameWord?: Word;
  /**
   * Programs that run the command for us (`exec`, `env`, `sudo` …), in order. Prefix assignments
   * are only honoured at the start of a simple command, so what goes in front of the name depends
   * on the last of them.
   */
  wrappers: string[];
  /** Arguments, with redirections (`> x`, `2>&1`, `<<EOF`) removed. */
  args: string[];
  /** Every word, for messages. */
  words: Word[];
}

/** Shell keywords that introduce the real command and carry no meaning of their own here. */
const KEYWORDS = new Set(['then', 'do', 'else', 'elif', 'if', 'while', 'until', '!', '{']);
/**
 * Commands that run the next word as a program, with their options that take a value. `time` is
 * a keyword in bash but /usr/bin/time in dash; either way it is read as a wrapper here.
 */
const WRAPPERS: Record<string, { short: string; long: string[] }> = {
  exec: { short: 'a', long: [] },
  command: { short: '', long: [] },
  nohup: { short: '', long: [] },
  time: { short: 'fo', long: ['--format', '--output'] },
  env: { short: 'uCS', long: ['--unset', '--chdir', '--split-string'] },
  sudo: { short: 'ugCDhprtTU', long: ['--user', '--group', '--close-from', '--chdir', '--host', '--prompt', '--role', '--type', '--command-timeout', '--other-user'] }
};
/** Words that only close a compound command. */
const CLOSERS = new Set(['fi', 'done', 'esac', '}']);
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;
const REDIRECT = /^\d*(?:>>?|<<?-?|&>>?|>&|<&|>\|)/;

/** Read a simple command. */
export function viewCommand(words: Word[]): CommandView {
  const assignments = new Map<string, string>();
  const wrappers: string[] = [];
  let i = 0;
  for (; i < words.length; i++) {
    const text = words[i]!.text;
    const assignment = ASSIGNMENT.exec(text);
    const wrapper = WRAPPERS[text];
    if (assignment) {
      assignments.set(assignment[1]!, assignment[2]!);
    } else if (KEYWORDS.has(text)) {
      continue;
    } else if (wrapper && !(text === 'command' && isCommandQuery(words, i))) {
      wrappers.push(text);
      i = skipOptions(words, i, wrapper);
    } else {
      break;
    }
  }
  const nameWord = words[i];
  const name = nameWord && !CLOSERS.has(nameWord.text) ? nameWord.text : '';
  const args: string[] = [];
  for (let j = i + 1; j < words.length; j++) {
    const text = words[j]!.text;
    const redirect = REDIRECT.exec(text);
    if (redirect) {
      // A bare operator (`>`, `2>`, `<<`) takes the next word as its target.
      if (redirect[0] === text) j++;
      continue;
    }
    args.push(text);
  }
  const base = name.split('/').pop() ?? name;
  return { assignments, name, base, nameWord: name ? nameWord : undefined, wrappers, args, words };
}

/** Index of the last option word after the wrapper at `at` (its `--` included). */
function skipOptions(words: Word[], at: number, options: { short: string; long: string[] }): number {
  let i = at;
  while (i + 1 < words.length) {
    const text = words[i + 1]!.text;
    if (text === '--') return i + 1;
    if (!text.startsWith('-')) return i;
    // `-u root`, `-Eu root`, `--user root` take the next word; `--user=root` does not.
    const takesValue = text.startsWith('--') ? options.long.includes(text) : options.short.includes(text.at(-1)!);
    i += takesValue ? 2 : 1;
  }
  return i;
}

/** `command -v go` / `command -V go` only ask where go is; they do not run it. */
function isCommandQuery(words: Word[], at: number): boolean {
  for (let i = at + 1; i < words.length && words[i]!.text.startsWith('-'); i++) {
    if (/^-[a-zA-Z]*[vV]/.test(words[i]!.text)) return true;
  }
  return false;
}

/** `go build -o /out .`, trimmed for a message. */
export function describeCommand(view: CommandView, max = 60): string {
  const text = [view.name, ...view.args].join(' ').replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
