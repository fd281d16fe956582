/**
 * What one simple command in a RUN is: which language's toolchain it drives, whether it compiles
 * (or installs native code), and whether it is "light" (package installs and file shuffling, cheap
 * even under QEMU).
 */
import type { Language } from './languages.js';
import type { CommandView } from './simple-command.js';

/** A classified command. */
export interface CommandKind {
  language?: Language;
  /** Compiles, or installs packages that may compile native code (npm ci, pip install). */
  compile: boolean;
  /** Cheap even under QEMU: package installs, file operations, user setup. */
  light: boolean;
}

const LIGHT = new Set([
  'apk', 'apt-get', 'apt', 'yum', 'dnf', 'microdnf', 'rm', 'mkdir', 'chmod', 'chown', 'ln', 'cp', 'mv', 'adduser',
  'addgroup', 'useradd', 'groupadd', 'echo', 'printf', 'true', 'set', 'touch', 'ls', 'update-ca-certificates',
  'ldconfig', 'cd', 'export', 'test', '[', ':', 'cat', 'sed', 'install'
]);
const C_TOOLS = new Set(['cmake', 'ninja', 'gcc', 'g++', 'cc', 'c++', 'clang', 'clang++', 'configure', 'meson', 'xx-clang', 'xx-clang++', 'xx-c++', 'xx-cc']);
const MAKE = new Set(['make', 'gmake']);
const GO_COMPILE = new Set(['build', 'install']);
const CARGO_COMPILE = new Set(['build', 'install', 'zigbuild', 'chef', 'auditable', 'rustc']);
const DOTNET_COMPILE = new Set(['publish', 'build']);
const NODE_INSTALL: Record<string, Set<string>> = {
  npm: new Set(['ci', 'install', 'i', 'add', 'rebuild']),
  pnpm: new Set(['install', 'i', 'add', 'fetch']),
  yarn: new Set(['', 'install', 'add']),
  bun: new Set(['install', 'i', 'add'])
};
/** Maven / Gradle goals that only fetch dependencies. */
const JVM_FETCH_ONLY = /^(dependency:|go-offline|dependencies$|--version$|-v$|help$|-B$|-q$|--no-daemon$)/;

/** Classify a command; `hint` is the language of the stage's base image, used for `make`. */
export function classifyCommand(view: CommandView, hint?: Language): CommandKind {
  const { base, args } = view;
  const sub = args.find((a) => !a.startsWith('-')) ?? '';
  const light = LIGHT.has(base);
  const kind = (language: Language | undefined, compile: boolean): CommandKind => ({ language, compile, light });

  if (base === 'go' || base === 'xx-go' || base === 'garble') return kind('go', GO_COMPILE.has(sub));
  // Wrappers that run go build for you: xcaddy (Caddy with plugins), goreleaser, mage targets.
  if (base === 'xcaddy') return kind('go', sub === 'build');
  if (base === 'goreleaser') return kind('go', sub === 'build' || sub === 'release');
  if (base === 'mage') return kind('go', true);
  if (base === 'cargo' || base === 'xx-cargo') return kind('rust', CARGO_COMPILE.has(sub));
  if (base === 'rustc') return kind('rust', true);
  if (base === 'rustup') return kind('rust', false);
  if (C_TOOLS.has(base)) return kind('c', true);
  if (MAKE.has(base)) return kind(hint && hint !== 'python' && hint !== 'node' ? hint : 'c', true);
  if (['mvn', 'mvnw', 'gradle', 'gradlew', 'sbt'].includes(base)) return kind('jvm', !args.every((a) => JVM_FETCH_ONLY.test(a)));
  if (base === 'javac') return kind('jvm', true);
  if (base === 'java' || base === 'jar' || base === 'jlink') return kind('jvm', false);
  if (base === 'dotnet') return kind('dotnet', DOTNET_COMPILE.has(sub));
  if (base === 'zig') return sub === 'cc' || sub === 'c++' ? kind('c', true) : kind('zig', sub === 'build' || sub === 'build-exe');
  const nodeInstall = NODE_INSTALL[base];
  if (nodeInstall) return kind('node', nodeInstall.has(sub));
  if (base === 'node' || base === 'npx' || base === 'corepack') return kind('node', false);
  if (isPipInstall(view)) return kind('python', true);
  if (/^(python[0-9.]*|pip[0-9.]*|poetry|uv|pipenv|pdm)$/.test(base)) return kind('python', false);
  return kind(undefined, false);
}

/** `pip install`, `python -m pip install`, `uv pip install`, `uv sync`, `poetry install`, `pipenv install`. */
function isPipInstall({ base, args }: CommandView): boolean {
  if (/^pip[0-9.]*$/.test(base)) return args[0] === 'install';
  if (/^python[0-9.]*$/.test(base)) {
    const m = args.indexOf('-m');
    return m >= 0 && /^pip[0-9.]*$/.test(args[m + 1] ?? '') && args.slice(m + 2).includes('install');
  }
  if (base === 'uv') return (args[0] === 'pip' && args[1] === 'install') || args[0] === 'sync';
  if (base === 'poetry' || base === 'pipenv' || base === 'pdm') return args[0] === 'install' || args[0] === 'sync';
  return false;
}

/** The language a base image implies (`golang:1.22` → go), used to attribute a bare `make`. */
export function imageLanguage(image: string): Language | undefined {
  const name = image.toLowerCase().split('@')[0]!.replace(/:[^/]*$/, '');
  const last = name.split('/').pop() ?? '';
  if (/^golang$|^go$/.test(last)) return 'go';
  if (/^rust$/.test(last)) return 'rust';
  if (/^(maven|gradle|openjdk|eclipse-temurin|amazoncorretto|sbt|ibm-semeru-runtimes|sapmachine)$/.test(last)) return 'jvm';
  if (name.includes('dotnet/sdk')) return 'dotnet';
  if (/^node$/.test(last)) return 'node';
  if (/^(python|pypy)$/.test(last)) return 'python';
  if (/^(gcc|buildpack-deps)$/.test(last)) return 'c';
  return undefined;
}
