/**
 * Whether one command still gives the same result when its stage moves from the target platform
 * to $BUILDPLATFORM. Deliberately an allow-list: a command is safe only when we know its output
 * does not depend on the architecture it runs on. Anything else keeps the stage emulated.
 */
import type { CommandView } from './simple-command.js';

/** Verdict on one command. */
export type Safety = { ok: true; compile: boolean } | { ok: false; reason: string };

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

const ok = (compile = false): Safety => ({ ok: true, compile });
const no = (reason: string): Safety => ({ ok: false, reason });
const code = (text: string) => `\`${text}\``;

/** A command in a Go stage that is to be pinned to $BUILDPLATFORM. */
export function goCommandSafety(view: CommandView): Safety {
  if (view.base !== 'go') return commonSafety(view, true);
  const sub = view.args.find((a) => !a.startsWith('-')) ?? '';
  if (sub === 'install') {
    // Cross-compiled, go install writes to $GOPATH/bin/<os>_<arch>/ (and refuses when GOBIN is
    // set), so the COPY that follows misses the binary; a tool installed to run during the build
    // (stringer before go generate) would be built for the target and not run at all.
    return no('`go install` cross-compiled writes to `$GOPATH/bin/<os>_<arch>/` (or fails when GOBIN is set); write `go build -o /path/app` for the image\'s binary');
  }
  if (sub === 'build') {
    const goarch = view.assignments.get('GOARCH');
    if (goarch !== undefined && !goarch.includes('TARGETARCH')) return no(`it hard-codes GOARCH=${goarch}`);
    if (view.assignments.get('CGO_ENABLED') === '1') return no('it builds with CGO_ENABLED=1');
    return substitutionSafety(view) ?? ok(true);
  }
  if (['mod', 'vet', 'version', 'env', 'list'].includes(sub)) return ok();
  if (sub === 'test') return no('`go test` runs the compiled tests, which must execute in the target architecture');
  return no(`${code(`go ${sub}`)} runs programs whose output may depend on the architecture`);
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

/** Package manager calls: updates are fine, installs only of data and source-fetching tools. */
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
  const toolchain = packages.filter((p) => C_TOOLCHAIN.test(p));
  if (goStage && toolchain.length) return no(`it installs a C toolchain (${toolchain.join(' ')}), so the build may use cgo`);
  const archSpecific = packages.filter((p) => !NEUTRAL_PACKAGES.has(p));
  if (archSpecific.length) return no(`it installs ${archSpecific.join(' ')}, which would then be packages of the build platform`);
  return ok();
}
