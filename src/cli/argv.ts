/**
 * A small argv parser: `--flag value`, `--flag=value`, repeatable flags and booleans. Flags map
 * onto action input names, so the CLI goes through the same validation as the action.
 */

export interface FlagSpec {
  /** Action input this flag feeds, when it feeds one. */
  input?: string;
  boolean?: boolean;
  repeat?: boolean;
}

export interface ParsedArgv {
  positionals: string[];
  values: Map<string, string[]>;
}

export class UsageError extends Error {}

export function parseArgv(argv: string[], flags: Record<string, FlagSpec>): ParsedArgv {
  const out: ParsedArgv = { positionals: [], values: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq > 0 ? eq : undefined);
    const spec = flags[name];
    if (!spec) throw new UsageError(`unknown flag --${name}`);
    let value: string;
    if (spec.boolean) value = eq > 0 ? arg.slice(eq + 1) : 'true';
    else if (eq > 0) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`--${name} needs a value`);
      value = next;
      i++;
    }
    const list = out.values.get(name) ?? [];
    if (!spec.repeat && list.length) throw new UsageError(`--${name} given twice`);
    list.push(value);
    out.values.set(name, list);
  }
  return out;
}

/** An InputLookup over parsed flags: repeated values join with newlines, as a multi-line input. */
export function inputLookup(parsed: ParsedArgv, flags: Record<string, FlagSpec>, extra: Record<string, string> = {}): (name: string) => string {
  return (input: string) => {
    if (extra[input] !== undefined) return extra[input]!;
    for (const [flag, spec] of Object.entries(flags)) {
      if ((spec.input ?? flag) === input && parsed.values.has(flag)) return parsed.values.get(flag)!.join('\n');
    }
    return '';
  };
}
