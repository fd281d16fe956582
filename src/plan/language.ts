/**
 * Language detection from the build context: which languages the project uses, and the facts
 * that decide whether a cross build is safe: cgo in Go, native addons in Node, compiled
 * extensions in Python. Pure: it reads through `ContextFiles`.
 */
import type { ContextFiles } from './context.js';
import { findJvmMachineCode } from './jvm-native.js';
import type { Language } from './languages.js';

/** Whether a Go build needs cgo, as far as the context shows. */
export interface GoFacts {
  cgo: 'found' | 'none' | 'unknown';
  evidence: string;
}

/** Whether `npm ci` produces architecture-specific files. */
export interface NodeFacts {
  /** undefined: can't tell (no lockfile, or one that does not record install scripts). */
  nativeAddons: boolean | undefined;
  /** The native code is the project's own (binding.gyp, an install script in its package.json). */
  project?: boolean;
  evidence: string;
}

/** Whether `pip install` builds C extensions from this project. */
export interface PythonFacts {
  compiledExtensions: boolean;
  evidence: string;
}

/** Whether a Maven/Gradle build makes machine code (build files only). */
export interface JvmFacts {
  /** `file:line why`, when a build file makes or picks native code. */
  machineCode?: string;
}

/** .NET: whether the project publishes with Native AOT (machine code from the target's native toolchain). */
export interface DotnetFacts {
  /** `file: why`, when a project file turns on PublishAot. */
  aot?: string;
}

/** Zig: whether build.zig takes `-Dtarget` (it does when it calls `b.standardTargetOptions`). */
export interface ZigFacts {
  /** undefined: no build.zig in the context. */
  targetOption: boolean | undefined;
  evidence: string;
}

/** What the context says. */
export interface ContextFacts {
  /** Languages by their project files, most specific first. */
  languages: Language[];
  go: GoFacts;
  node: NodeFacts;
  python: PythonFacts;
  jvm: JvmFacts;
  dotnet: DotnetFacts;
  zig: ZigFacts;
}

/** Modules that only work with cgo; the context can't show their sources (they live in the module cache). */
const CGO_MODULES = [
  'github.com/mattn/go-sqlite3',
  'github.com/confluentinc/confluent-kafka-go',
  'github.com/ceph/go-ceph',
  'github.com/libgit2/git2go',
  'github.com/DataDog/zstd',
  'github.com/valyala/gozstd',
  'github.com/linxGnu/grocksdb',
  'github.com/tecbot/gorocksdb',
  'github.com/h2non/bimg',
  'github.com/davidbyttow/govips',
  'github.com/go-gl/',
  'fyne.io/fyne',
  'github.com/gotk3/gotk3',
  'github.com/miekg/pkcs11',
  'github.com/godror/godror'
];

const IMPORT_C = /^\s*import\s+"C"\s*$|^\s*import\s*\(\s*"C"\s*\)|^\s*import\s*\((?:[^)]*\n)?\s*"C"\s*\n/m;
const C_SOURCE = /\.(c|cc|cpp|cxx|h|hpp)$/;
const PYTHON_MARKERS = /^(pyproject\.toml|setup\.py|setup\.cfg|requirements[^/]*\.txt|Pipfile|poetry\.lock|uv\.lock)$/;

const base = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** GOOS values Go knows; a `_GOOS.go` or `_GOOS_GOARCH.go` file for another one never builds for linux. */
const OTHER_GOOS = new Set(['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'netbsd', 'openbsd', 'plan9', 'solaris', 'wasip1', 'windows', 'zos']);
const GOARCHES = new Set(['386', 'amd64', 'arm', 'arm64', 'loong64', 'mips', 'mipsle', 'mips64', 'mips64le', 'ppc64', 'ppc64le', 'riscv64', 's390x', 'wasm', 'ppc']);

function isOtherOsFile(path: string): boolean {
  const parts = base(path).slice(0, -'.go'.length).split('_');
  if (parts.length < 2) return false;
  const last = parts[parts.length - 1]!;
  const goos = GOARCHES.has(last) && parts.length >= 3 ? parts[parts.length - 2]! : last;
  return OTHER_GOOS.has(goos);
}

/**
 * A file whose build constraint leaves it out of every linux build: `ignore` (generators such as
 * x/sys's mksyscall, which print `import "C"` in a string), or only other operating systems.
 * Anything more involved counts as built, which errs towards "cgo" and so towards emulation.
 */
function isExcludedByConstraint(text: string): boolean {
  const header = text.slice(0, Math.max(0, text.search(/^package\s/m)));
  const expr = /^\/\/go:build\s+(.+)$/m.exec(header)?.[1] ?? /^\/\/ \+build\s+(.+)$/m.exec(header)?.[1];
  if (!expr) return false;
  const tags = expr.split(/[\s()|&,]+/).filter(Boolean);
  if (tags.includes('ignore')) return true;
  return !/[!&]/.test(expr) && tags.length > 0 && tags.every((t) => OTHER_GOOS.has(t));
}
/** Project files count down to two directories deep (monorepos, src/App/App.csproj), not deep in vendored trees. */
const shallow = (path: string) => path.split('/').length <= 3;

/** Detect languages and cross-safety facts; no context (stdin) gives no languages and unknown facts. */
export function detectContext(files?: ContextFiles): ContextFacts {
  if (!files) {
    return {
      languages: [],
      go: { cgo: 'unknown', evidence: 'there is no build context to scan' },
      node: { nativeAddons: undefined, evidence: 'there is no build context to scan' },
      python: { compiledExtensions: false, evidence: 'there is no build context to scan' },
      jvm: {},
      dotnet: {},
      zig: { targetOption: undefined, evidence: 'there is no build context to scan' }
    };
  }
  const markers = files.paths.filter(shallow).map(base);
  const has = (test: (name: string) => boolean) => markers.some(test);
  const python = has((n) => PYTHON_MARKERS.test(n));
  const found = new Set<Language>();
  if (has((n) => n === 'go.mod')) found.add('go');
  if (has((n) => n === 'Cargo.toml')) found.add('rust');
  if (has((n) => n === 'build.zig')) found.add('zig');
  if (has((n) => /\.(csproj|fsproj|vbproj|sln)$/.test(n))) found.add('dotnet');
  if (has((n) => /^(pom\.xml|build\.gradle(\.kts)?|settings\.gradle(\.kts)?|build\.sbt)$/.test(n))) found.add('jvm');
  const cSources = files.paths.some((p) => C_SOURCE.test(p) && !p.startsWith('vendor/'));
  if (has((n) => /^(CMakeLists\.txt|meson\.build|configure\.ac)$/.test(n)) || (cSources && !python)) found.add('c');
  if (has((n) => n === 'package.json')) found.add('node');
  if (python) found.add('python');
  // A Makefile alone is C only when nothing else explains it (Go and Python projects use make as a task runner).
  if (!found.size && has((n) => n === 'Makefile' || n === 'makefile' || n === 'GNUmakefile')) found.add('c');

  const machineCode = findJvmMachineCode(files);
  const jvm = machineCode ? { machineCode } : {};
  return { languages: [...found], go: goFacts(files), node: nodeFacts(files), python: pythonFacts(files, cSources), jvm, dotnet: dotnetFacts(files), zig: zigFacts(files) };
}

function dotnetFacts(files: ContextFiles): DotnetFacts {
  for (const path of files.paths.filter((p) => /\.(csproj|fsproj|vbproj)$|(^|\/)Directory\.Build\.props$/.test(p))) {
    if (/<PublishAot>\s*true\s*<\/PublishAot>/i.test(files.read(path) ?? '')) return { aot: `${path} sets PublishAot` };
  }
  return {};
}

function zigFacts(files: ContextFiles): ZigFacts {
  const build = files.paths.find((p) => shallow(p) && base(p) === 'build.zig');
  if (!build) return { targetOption: undefined, evidence: 'there is no build.zig in the context' };
  return /\bstandardTargetOptions\s*\(/.test(files.read(build) ?? '')
    ? { targetOption: true, evidence: `${build} calls b.standardTargetOptions, so zig build takes -Dtarget` }
    : { targetOption: false, evidence: `${build} does not call b.standardTargetOptions, so zig build ignores -Dtarget` };
}

function goFacts(files: ContextFiles): GoFacts {
  for (const path of files.paths) {
    if (!path.endsWith('.go') || path.endsWith('_test.go') || isOtherOsFile(path)) continue;
    const text = files.read(path) ?? '';
    if (isExcludedByConstraint(text)) continue;
    if (IMPORT_C.test(text)) return { cgo: 'found', evidence: `${path} imports "C"` };
  }
  for (const path of files.paths.filter((p) => base(p) === 'go.mod')) {
    const mod = files.read(path) ?? '';
    const cgoModule = CGO_MODULES.find((m) => mod.includes(m));
    if (cgoModule) return { cgo: 'found', evidence: `${path} requires ${cgoModule}, which needs cgo` };
  }
  if (!files.complete) return { cgo: 'unknown', evidence: 'the build context is larger than the scan limit, so cgo can not be ruled out' };
  return { cgo: 'none', evidence: 'no Go source in the context imports "C"' };
}

function nodeFacts(files: ContextFiles): NodeFacts {
  const gyp = files.paths.find((p) => base(p) === 'binding.gyp');
  if (gyp) return { nativeAddons: true, project: true, evidence: `${gyp} builds a native addon` };
  for (const path of files.paths.filter((p) => shallow(p) && base(p) === 'package.json')) {
    const scripts = parseJson(files.read(path))?.['scripts'] as Record<string, string> | undefined;
    if (scripts?.['install'] || scripts?.['preinstall']) return { nativeAddons: true, project: true, evidence: `${path} has an install script` };
    if (/gyp|prebuild|cmake-js|napi/.test(scripts?.['postinstall'] ?? '')) return { nativeAddons: true, project: true, evidence: `${path} builds native code in postinstall` };
  }
  const lock = (name: RegExp) => files.paths.find((p) => shallow(p) && name.test(base(p)));
  const npmLock = lock(/^(package-lock|npm-shrinkwrap)\.json$/);
  if (npmLock) return npmLockFacts(npmLock, parseJson(files.read(npmLock)));
  const pnpmLock = lock(/^pnpm-lock\.yaml$/);
  if (pnpmLock) return pnpmLockFacts(pnpmLock, files.read(pnpmLock) ?? '');
  const yarnLock = lock(/^yarn\.lock$/);
  if (yarnLock) return yarnLockFacts(yarnLock, files.read(yarnLock) ?? '');
  return { nativeAddons: undefined, evidence: 'there is no lockfile (package-lock.json, pnpm-lock.yaml, yarn.lock) to check the dependencies' };
}

/**
 * Packages published once per platform (esbuild, swc, rollup, sharp and the like), by name: the
 * lockfiles that do not record cpu/os still name them.
 */
const ARCH_PACKAGE = /^(@esbuild\/|esbuild-linux-|@swc\/core-linux-|@rollup\/rollup-linux-|@img\/sharp-|sharp$|lightningcss-linux-|@parcel\/watcher-linux-|@next\/swc-linux-|turbo-linux-|@tailwindcss\/oxide-linux-|@biomejs\/cli-linux-|@oxc-[a-z-]+\/binding-linux-|@rspack\/binding-linux-)/;

function npmLockFacts(path: string, lock: Record<string, unknown> | undefined): NodeFacts {
  if (!lock) return { nativeAddons: undefined, evidence: `${path} could not be read as JSON` };
  const packages = lock['packages'] as Record<string, { hasInstallScript?: boolean; cpu?: unknown; os?: unknown }> | undefined;
  if (!packages) return { nativeAddons: undefined, evidence: `${path} is lockfileVersion 1, which records no install scripts or cpu/os fields (npm 7 or later writes version 2 or 3)` };
  for (const [key, pkg] of Object.entries(packages)) {
    const name = key.replace(/^.*node_modules\//, '') || 'the root package';
    if (pkg.hasInstallScript) return { nativeAddons: true, evidence: `${name} has an install script (${path})` };
    if (pkg.cpu || pkg.os) return { nativeAddons: true, evidence: `${name} ships per-${pkg.cpu ? 'architecture' : 'OS'} binaries (${pkg.cpu ? 'cpu' : 'os'} field in ${path})` };
    if (ARCH_PACKAGE.test(name)) return { nativeAddons: true, evidence: `${name} is published per platform (${path})` };
  }
  return { nativeAddons: false, evidence: `no dependency in ${path} has an install script or per-architecture binaries` };
}

/** pnpm records cpu/os per package, and `requiresBuild` up to lockfile version 6. */
function pnpmLockFacts(path: string, text: string): NodeFacts {
  const native = /^\s+(requiresBuild: true|cpu: |os: )/m.exec(text);
  if (native) {
    const name = /^ {2}['"]?\/?([^:'"\s]+)['"]?:\s*$/gm;
    let owner = 'a package';
    for (let m = name.exec(text); m && m.index < native.index; m = name.exec(text)) owner = m[1]!;
    return { nativeAddons: true, evidence: `${owner} ${native[1]!.startsWith('requiresBuild') ? 'runs a build script' : 'ships per-platform binaries'} (${path})` };
  }
  const named = [...text.matchAll(/^ {2}['"]?\/?((?:@[^/\s]+\/)?[^@/:\s'"]+)/gm)].find((m) => ARCH_PACKAGE.test(m[1]!));
  if (named) return { nativeAddons: true, evidence: `${named[1]} is published per platform (${path})` };
  const version = Number(/^lockfileVersion:\s*['"]?([\d.]+)/m.exec(text)?.[1] ?? 0);
  if (version >= 9) return { nativeAddons: undefined, evidence: `${path} (lockfile version ${version}) records no install scripts` };
  return { nativeAddons: false, evidence: `no package in ${path} runs a build script or ships per-platform binaries` };
}

/** yarn.lock records neither install scripts nor (v1) cpu/os: it can only show native code, never rule it out. */
function yarnLockFacts(path: string, text: string): NodeFacts {
  const condition = /^\s+conditions: (.*)$/m.exec(text);
  if (condition) return { nativeAddons: true, evidence: `a package in ${path} is only for ${condition[1]}` };
  const named = [...text.matchAll(/^"?((?:@[^/\s"]+\/)?[^@\s"]+)@/gm)].find((m) => ARCH_PACKAGE.test(m[1]!));
  if (named) return { nativeAddons: true, evidence: `${named[1]} is published per platform (${path})` };
  return { nativeAddons: undefined, evidence: `${path} records no install scripts, so native addons can't be ruled out` };
}

function pythonFacts(files: ContextFiles, cSources: boolean): PythonFacts {
  const setup = files.paths.find((p) => shallow(p) && base(p) === 'setup.py');
  if (setup && /ext_modules|Extension\(/.test(files.read(setup) ?? '')) return { compiledExtensions: true, evidence: `${setup} declares C extensions` };
  const pyproject = files.paths.find((p) => shallow(p) && base(p) === 'pyproject.toml');
  if (pyproject && /maturin|scikit-build|setuptools-rust|cython|ext-modules/i.test(files.read(pyproject) ?? '')) {
    return { compiledExtensions: true, evidence: `${pyproject} uses a native build backend` };
  }
  const pyx = files.paths.find((p) => p.endsWith('.pyx'));
  if (pyx) return { compiledExtensions: true, evidence: `${pyx} is a Cython module` };
  if (cSources) return { compiledExtensions: true, evidence: 'the context has C sources next to the Python project' };
  return { compiledExtensions: false, evidence: 'no C extensions in the project' };
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
