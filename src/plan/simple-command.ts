/**
 * The parts of one simple command that matter to the planner: leading `NAME=value` assignments,
 * the command name (past `env`, `exec`, `then`, `if` …) and its arguments without redirections.
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
  /** Arguments, with redirections (`> x`, `2>&1`, `<<EOF`) removed. */
  args: string[];
  /** Every word, for messages. */
  words: Word[];
}

/** Words that introduce the real command and carry no meaning of their own here. */
const PREFIXES = new Set(['then', 'do', 'else', 'elif', 'if', 'while', 'until', '!', '{', 'time', 'exec', 'command', 'nohup']);
/** Words that only close a compound command. */
const CLOSERS = new Set(['fi', 'done', 'esac', '}']);
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;
const REDIRECT = /^\d*(?:>>?|<<?-?|&>>?|>&|<&|>\|)/;

/** Read a simple command. */
export function viewCommand(words: Word[]): CommandView {
  const assignments = new Map<string, string>();
  let i = 0;
  for (; i < words.length; i++) {
    const text = words[i]!.text;
    const assignment = ASSIGNMENT.exec(text);
    if (assignment) {
      assignments.set(assignment[1]!, assignment[2]!);
    } else if (PREFIXES.has(text)) {
      continue;
    } else if (text === 'env') {
      // env [-i] [-u NAME] NAME=value … command
      while (i + 1 < words.length && words[i + 1]!.text.startsWith('-')) i += words[i + 1]!.text === '-u' ? 2 : 1;
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
  return { assignments, name, base, nameWord: name ? nameWord : undefined, args, words };
}

/** `go build -o /out .`, trimmed for a message. */
export function describeCommand(view: CommandView, max = 60): string {
  const text = [view.name, ...view.args].join(' ').replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
