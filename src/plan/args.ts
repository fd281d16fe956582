/**
 * Build-arg expansion for FROM lines, `--platform` flags and `--from` values: global ARGs (those
 * before the first FROM), their defaults, `--build-arg` overrides, and BuildKit's automatic
 * platform args. Each value remembers which automatic args it came from, so `ARG BP=$BUILDPLATFORM`
 * then `FROM --platform=$BP` is still known to mean "the build platform".
 */
import { canonicalPlatform } from './native.js';

/** A resolved variable and the automatic platform args its value was derived from. */
export interface ScopeValue {
  value: string;
  refs: ReadonlySet<string>;
}

/** Variables visible to FROM lines and `--from` values: automatic platform args and global ARGs. */
export type Scope = ReadonlyMap<string, ScopeValue>;

/** A global ARG as written: name and unexpanded default. */
export interface GlobalArg {
  name: string;
  default?: string;
}

/** Result of expanding a word. */
export interface Expansion {
  value: string;
  /** Automatic platform args the value depends on, directly or through global ARGs. */
  refs: Set<string>;
  /** Variables that were referenced but had no value. */
  unresolved: string[];
}

/** Automatic args that describe the build platform (the machine running the build). */
export const BUILD_ARGS = ['BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIANT'] as const;
/** Automatic args that describe the platform being built. */
export const TARGET_ARGS = ['TARGETPLATFORM', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT'] as const;

function platformParts(platform: string): [string, string, string] {
  const [os = '', arch = '', variant = ''] = canonicalPlatform(platform).split('/');
  return [os, arch, variant];
}

/** The automatic args BuildKit defines in the global scope for one leg. */
export function platformScope(buildPlatform: string, targetPlatform: string): Map<string, ScopeValue> {
  const scope = new Map<string, ScopeValue>();
  const add = (names: readonly string[], platform: string) => {
    const values = [canonicalPlatform(platform), ...platformParts(platform)];
    names.forEach((name, i) => scope.set(name, { value: values[i]!, refs: new Set([name]) }));
  };
  add(BUILD_ARGS, buildPlatform);
  add(TARGET_ARGS, targetPlatform);
  return scope;
}

/** Automatic platform args can't be redefined by a global ARG or a build-arg. */
function isAutomatic(name: string): boolean {
  return (BUILD_ARGS as readonly string[]).includes(name) || (TARGET_ARGS as readonly string[]).includes(name);
}

/** Global ARGs in order: a `--build-arg` wins, else the default expanded with what came before. */
export function resolveGlobalScope(args: readonly GlobalArg[], buildArgs: Readonly<Record<string, string>>, base: Scope): Map<string, ScopeValue> {
  const scope = new Map(base);
  for (const arg of args) {
    if (isAutomatic(arg.name)) continue;
    const override = Object.hasOwn(buildArgs, arg.name) ? buildArgs[arg.name] : undefined;
    if (override !== undefined) {
      scope.set(arg.name, { value: override, refs: new Set() });
    } else if (arg.default !== undefined) {
      const e = expandWord(arg.default, scope);
      scope.set(arg.name, { value: e.value, refs: e.refs });
    }
    // Declared without a value or build-arg: it stays unset and expands to the empty string.
  }
  return scope;
}

const VAR = /\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Expand `$X`, `${X}`, `${X:-word}`, `${X-word}`, `${X:+word}` and `${X+word}` like the Dockerfile frontend. */
export function expandWord(text: string, scope: Scope): Expansion {
  const refs = new Set<string>();
  const unresolved: string[] = [];
  const use = (v: ScopeValue) => {
    v.refs.forEach((r) => refs.add(r));
    return v.value;
  };
  const nested = (word: string) => {
    const e = expandWord(word, scope);
    e.refs.forEach((r) => refs.add(r));
    unresolved.push(...e.unresolved);
    return e.value;
  };
  const value = text.replace(VAR, (match: string, braced?: string, op?: string, word = '', bare?: string) => {
    if (match === '\\$') return '$';
    const name = (braced ?? bare)!;
    const found = scope.get(name);
    const empty = !found || found.value === '';
    switch (op) {
      case ':-':
        return empty ? nested(word) : use(found!);
      case '-':
        return found ? use(found) : nested(word);
      case ':+':
        return empty ? '' : nested(word);
      case '+':
        return found ? nested(word) : '';
      default:
        if (!found) unresolved.push(name);
        return found ? use(found) : '';
    }
  });
  return { value, refs, unresolved };
}
