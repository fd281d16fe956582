/**
 * Whether one command still gives the same result when its stage moves from the target platform
 * to $BUILDPLATFORM. Deliberately an allow-list: a command is safe only when we know its output
 * does not depend on the architecture it runs on. Anything else keeps the stage emulated.
 */
import type { CommandView } from './simple-command.js';

/**
 * Verdict on one command. A package install is allowed here and reported (`packages`), since
 * whether build-platform packages matter depends on what leaves the stage (see rewrite-plan.ts);
 * `goInstall` marks a `go install` whose binaries the rewrite moves to where the as-written build
 * puts them.
 */
export type Safety =
  | { ok: true; compile: boolean; packages?: string[]; toolchain?: string[]; goInstall?: boolean }
  | { ok: false; reason: string };

/** Commands whose effect is the same on every architecture. */
const NEUTRAL = new Set([
  'mkdir', 'cp', 'mv', 'rm', 'ln', 'ls', 'echo', 'printf', 'cd', 'pwd', 'true', ':', 'set', 'chmod', 'chown', 'touch',
  'test', '[', 'export', 'unset', 'cat', 'sed', 'adduser', 'addgroup', 'useradd', 'groupadd', 'update-ca-certificates', 'for',
  // Only `command -v`/`-V` reach here as `command`: they ask where a program is.
  'command'
]);
/** Packages that are data, or tools only used to fetch sources. */
const NEUTRAL_PACKAGES = new Set(['git', 'git-lfs', 'ca-certificates', 'tzdata', 'openssh-client', 'openssh']);
const C_TOOLCHAIN = /^(gcc|g\+\+|clang|musl-dev|libc6?-dev|libc-dev|build-base|build-essential|binutils)$/;
/** Programs whose output inside `$(…)` does not depend on the architecture. */
const NEUTRAL_SUBSTITUTIONS = /^\$\(\s*(git|date|cat|echo|printf|basename|dirname|head|tail|tr|cut|wc)\b/;
/** GraalVM native-image: the output is machine code for the platform the stage runs on. */
export const NATIVE_IMAGE =
  /native-image|nativeCompile|nativeBuild|nativeImage|native:compile|native-maven-plugin|org\.graalvm\.buildtools|-Pnative\b|-Dnative\b|quarkus\.package\.type=native|quarkus\.native\.enabled=true/i;
/** JDK tools whose output is a runtime of native code for the platform they run on. */
const JDK_NATIVE_TOOLS = new Set(['jlink', 'jpackage']);

const ok = (compile = false, extra: { packages?: string[]; toolchain?: string[]; goInstall?: boolean } = {}): Safety => ({ ok: true, compile, ...extra });
const no = (reason: string): Safety => ({ ok: false, reason });
const code = (text: string) => `\`${text}\``;

/** A command in a Go stage that is to be pinned to $BUILDPLATFORM. */
export function goCommandSafety(view: CommandView): Safety {
  const sub = view.args.find((a) => !a.startsWith('-')) ?? '';
  if (view.base === 'xcaddy' && sub === 'build') {
    // xcaddy passes GOOS, GOARCH and GOARM through to its go build and sets CGO_ENABLED=0
    // unless CGO_ENABLED=1 is given (caddyserver/xcaddy README, builder.go).
    return goTargetSafety(view) ?? ok(true);
  }
  if (view.base === 'goreleaser') return goreleaserSafety(view, sub);
  if (view.base === 'mage') {
    // mage compiles the magefile for the machine it runs on, then runs Go targets that may read
    // runtime.GOARCH, set GOARCH themselves or run what they built: nothing shows they cross-build.
    return no('`mage` runs Go targets that decide for themselves how (and for which architecture) to build; call `go build` in the Dockerfile to have it cross-compiled');
  }
  if (view.base !== 'go') return commonSafety(view, true);
  if (sub === 'install') {
    // Cross-compiled, go install writes to $GOPATH/bin/<os>_<arch>/ and refuses to run when GOBIN
    // is set: the rewrite clears GOBIN for it and moves the binaries to where they would be.
    if (view.wrappers.includes('exec')) return no('`exec go install` replaces the shell, so nothing can move the cross-compiled binaries to where the as-written build puts them');
    if (view.assignments.get('GOBIN')) return no('`GOBIN=… go install` can\'t cross-compile: go install refuses to when GOBIN is set; set GOBIN with ENV, or write `go build -o`');
    return goTargetSafety(view) ?? ok(true, { goInstall: true });
  }
  if (sub === 'build') return goTargetSafety(view) ?? ok(true);
  if (['mod', 'vet', 'version', 'env', 'list'].includes(sub)) return ok();
  if (sub === 'test') return no('`go test` runs the compiled tests, which must execute in the target architecture');
  return no(`${code(`go ${sub}`)} runs programs whose output may depend on the architecture`);
}

/** A compile that would not follow GOARCH, or would need a C cross toolchain; undefined when fine. */
function goTargetSafety(view: CommandView): Safety | undefined {
  const goarch = view.assignments.get('GOARCH');
  if (goarch !== undefined && !goarch.includes('TARGETARCH')) return no(`it hard-codes GOARCH=${goarch}`);
  if (view.assignments.get('CGO_ENABLED') === '1') return no('it builds with CGO_ENABLED=1');
  return substitutionSafety(view);
}

/**
 * `goreleaser build --single-target` builds for GOOS/GOARCH/GOARM from the environment
 * (goreleaser cmd/build.go), but without `--output` it writes to dist/<id>_<os>_<arch>_<level>/,
 * and the level (GOARM, GOAMD64) it picks from the environment need not match the emulated build.
 */
function goreleaserSafety(view: CommandView, sub: string): Safety {
  if (sub !== 'build') return no(`${code(`goreleaser ${sub}`)} does more than build one binary (archives, publishing)`);
  if (!view.args.includes('--single-target')) return no('`goreleaser build` without `--single-target` builds every target of .goreleaser.yaml, not the image\'s platform');
  if (!view.args.some((a) => a === '--output' || a === '-o' || a.startsWith('--output=') || a.startsWith('-o='))) {
    return no('`goreleaser build --single-target` without `--output` writes to a dist/ directory named after the target\'s GOARM/GOAMD64 level, which may differ between a cross and an emulated build; add `--output /path/app`');
  }
  return goTargetSafety(view) ?? ok(true);
}

/** A command in a Maven/Gradle stage that is to be pinned to $BUILDPLATFORM. */
export function jvmCommandSafety(view: CommandView): Safety {
  if (['mvn', 'mvnw', 'gradle', 'gradlew', 'sbt'].includes(view.base)) {
    const native = view.args.find((a) => NATIVE_IMAGE.test(a));
    if (native) return no(`${code(`${view.base} … ${native}`)} builds a GraalVM native image, which is machine code for the target`);
    return substitutionSafety(view) ?? ok(true);
  }
  // Spring Boot's layered-jar extraction only unpacks the jar.
  if (view.base === 'java' && view.args.some((a) => a.startsWith('-Djarmode='))) return ok();
  if (view.base === 'jar') return ok();
  if (JDK_NATIVE_TOOLS.has(view.base)) return no(`it runs ${code(view.base)}, which builds a Java runtime of native code for the platform the stage runs on`);
  if (NATIVE_IMAGE.test(view.base)) return no(`it runs ${code(view.base)}, which builds a GraalVM native image: machine code for the platform the stage runs on`);
  return commonSafety(view, false);
}

function commonSafety(view: CommandView, goStage: boolean): Safety {
  const substitution = substitutionSafety(view);
  if (substitution) return substitution;
  if (NEUTRAL.has(view.name)) return ok();
  const packages = packageSafety(view, goStage);
  if (packages) return packages;
  if (view.name.startsWith('./') || view.name.startsWith('/')) {
    return no(`it runs ${code(view.name)}, which may be a program built for the target`);
  }
  return no(`it runs ${code(view.name)}, which can't be shown to be architecture-neutral`);
}

function substitutionSafety(view: CommandView): Safety | undefined {
  const words = [...view.assignments.values(), ...view.words.map((w) => w.text)];
  for (const word of words) {
    for (const m of word.matchAll(/\$\([^)]*\)?|`[^`]*`?/g)) {
      const sub = m[0].startsWith('`') ? `$(${m[0].slice(1)}` : m[0];
      if (!NEUTRAL_SUBSTITUTIONS.test(sub)) return no(`it runs ${code(m[0])}, whose output may depend on the architecture`);
    }
  }
  return undefined;
}

/**
 * Package manager calls: updates are fine; installs are allowed and reported, because packages of
 * the build platform are harmless as long as none of their files leave the pinned stages (the
 * caller checks that). A C toolchain in a Go stage is reported apart: it hints at cgo.
 */
function packageSafety(view: CommandView, goStage: boolean): Safety | undefined {
  const managers: Record<string, { install: string[]; harmless: string[] }> = {
    apk: { install: ['add'], harmless: ['update', 'del', 'cache'] },
    'apt-get': { install: ['install'], harmless: ['update', 'clean', 'autoremove', 'autoclean'] },
    apt: { install: ['install'], harmless: ['update', 'clean', 'autoremove'] },
    yum: { install: ['install'], harmless: ['clean', 'makecache'] },
    dnf: { install: ['install'], harmless: ['clean', 'makecache'] },
    microdnf: { install: ['install'], harmless: ['clean'] }
  };
  const manager = managers[view.base];
  if (!manager) return undefined;
  const [sub = '', ...rest] = view.args.filter((a) => !a.startsWith('-'));
  if (manager.harmless.includes(sub)) return ok();
  if (!manager.install.includes(sub)) return no(`it runs ${code(`${view.base} ${sub}`)}, which changes packages of the stage's architecture`);
  const packages = rest.map((p) => p.split(/[=@]/)[0]!);
  const toolchain = goStage ? packages.filter((p) => C_TOOLCHAIN.test(p)) : [];
  const archSpecific = packages.filter((p) => !NEUTRAL_PACKAGES.has(p));
  return ok(false, { ...(archSpecific.length ? { packages: archSpecific } : {}), ...(toolchain.length ? { toolchain } : {}) });
}

/** Tools that package JavaScript into a native executable for the machine they run on. */
const NODE_NATIVE_PACKERS = new Set(['pkg', 'nexe', 'electron-builder', 'electron-packager', 'caxa']);
const NODE_MANAGERS = new Set(['npm', 'yarn', 'pnpm', 'bun']);

/**
 * A command in a Node stage that is to be pinned to $BUILDPLATFORM: installs from the lockfile
 * (whose packages rewrite-plan.ts checks), package scripts and bundlers, whose output is
 * JavaScript. Installs of packages the lockfile does not describe, rebuilds of native addons and
 * tools that emit executables stay emulated.
 */
export function nodeCommandSafety(view: CommandView): Safety {
  const words = view.args.filter((a) => !a.startsWith('-'));
  const sub = words[0] ?? '';
  if (NODE_MANAGERS.has(view.base)) {
    if (view.args.includes('-g') || view.args.includes('--global') || sub === 'global') return no(`${code(`${view.base} … -g`)} installs global packages the lockfile does not describe`);
    if (sub === 'rebuild') return no(`${code(`${view.base} rebuild`)} builds native addons, which would be for the build platform`);
    if (sub === 'add' || (['install', 'i'].includes(sub) && words.length > 1)) return no(`${code(describe(view))} adds packages the lockfile does not describe`);
    if (view.base === 'bun' && view.args.includes('--compile')) return no('`bun build --compile` makes a native executable for the machine it runs on');
    const install = ['ci', 'install', 'i', ''].includes(sub) || (view.base === 'pnpm' && sub === 'fetch');
    return substitutionSafety(view) ?? ok(install);
  }
  if (view.base === 'corepack') return ok();
  if (view.base === 'npx') {
    const tool = words[0] ?? '';
    if (NODE_NATIVE_PACKERS.has(tool)) return no(`${code(`npx ${tool}`)} packs a native executable for the machine it runs on`);
    return substitutionSafety(view) ?? ok();
  }
  if (view.base === 'node') return no('`node` runs a script whose output may depend on process.arch; run it through a package script only if it is architecture-neutral, or keep the stage emulated');
  return commonSafety(view, false);
}

function describe(view: CommandView): string {
  return [view.base, ...view.args].join(' ');
}
