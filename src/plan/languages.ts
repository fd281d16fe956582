/**
 * What each language needs to build for another architecture, as data. The planner uses it for
 * reasons and hints; the README renders it with `renderLanguageTable()`, so the two can't drift.
 */

/** Languages the planner recognises. `c` covers C and C++. */
export type Language = 'go' | 'rust' | 'c' | 'jvm' | 'dotnet' | 'node' | 'python' | 'zig';

/** How a language copes with a foreign target architecture. */
export interface LanguageProfile {
  id: Language;
  label: string;
  /** True when the build produces target machine code, so emulating it is slow. */
  compiled: boolean;
  /** Whether the build can run on $BUILDPLATFORM and still produce a correct image. */
  cross: 'yes' | 'with-toolchain' | 'no-native-code' | 'rarely-needed';
  /** One line: how to get a cross build. */
  howToCross: string;
  /** One line: what running it under QEMU costs. */
  underEmulation: string;
  /** multiarch can rewrite the Dockerfile itself (cross-compile: auto). */
  autoRewrite: boolean;
}

/** The table, in the order the README shows it: cross-friendly languages first. */
export const LANGUAGES: readonly LanguageProfile[] = [
  {
    id: 'go',
    label: 'Go',
    compiled: true,
    cross: 'yes',
    howToCross: 'pin the stage to `$BUILDPLATFORM` and set `GOOS=$TARGETOS GOARCH=$TARGETARCH` (GOARM from `$TARGETVARIANT`) with `CGO_ENABLED=0`',
    underEmulation: 'slow: the whole compiler runs under QEMU (a Go service here: 34 s cross vs 148 s emulated for arm64)',
    autoRewrite: true
  },
  {
    id: 'zig',
    label: 'Zig',
    compiled: true,
    cross: 'yes',
    howToCross: 'pin the stage to `$BUILDPLATFORM` and pass `-Dtarget=<arch>-linux-<abi>` to `zig build` (build.zig must call `standardTargetOptions`); the hint carries the diff',
    underEmulation: 'slow: the compiler runs under QEMU',
    autoRewrite: false
  },
  {
    id: 'dotnet',
    label: '.NET',
    compiled: true,
    cross: 'yes',
    howToCross: 'pin the stage to `$BUILDPLATFORM`, add `ARG TARGETARCH` and run `dotnet publish -a $TARGETARCH` (not for Native AOT); the hint carries the diff',
    underEmulation: 'slow, and Microsoft does not support running the .NET SDK under QEMU',
    autoRewrite: false
  },
  {
    id: 'rust',
    label: 'Rust',
    compiled: true,
    cross: 'with-toolchain',
    howToCross: 'pin the stage to `$BUILDPLATFORM` and build with `--target` and a cross linker: `xx-cargo` from tonistiigi/xx, or cargo-zigbuild',
    underEmulation: 'very slow: rustc and LLVM run under QEMU',
    autoRewrite: false
  },
  {
    id: 'c',
    label: 'C/C++',
    compiled: true,
    cross: 'with-toolchain',
    howToCross: 'build on a native node or runner, or use a cross toolchain (`xx-clang` / `xx-apt-get` from tonistiigi/xx, `zig cc -target`, or a `CMAKE_TOOLCHAIN_FILE`)',
    underEmulation: 'slow: the compiler runs under QEMU; fine for small projects',
    autoRewrite: false
  },
  {
    id: 'jvm',
    label: 'JVM (Maven, Gradle)',
    compiled: false,
    cross: 'yes',
    howToCross: 'pin the build stage to `$BUILDPLATFORM`: bytecode is portable (not for GraalVM native-image, which emits machine code)',
    underEmulation: 'slow: the JIT and the build tool run under QEMU',
    autoRewrite: true
  },
  {
    id: 'node',
    label: 'Node.js',
    compiled: false,
    cross: 'no-native-code',
    howToCross: 'pin the install stage to `$BUILDPLATFORM` when only build output (dist/) leaves it, or when the lockfile shows no install scripts and no per-architecture packages',
    underEmulation: 'moderate: npm itself is slow under QEMU; native addons (node-gyp) are slower still',
    autoRewrite: true
  },
  {
    id: 'python',
    label: 'Python',
    compiled: false,
    cross: 'rarely-needed',
    howToCross: 'usually not worth it: pip installs prebuilt wheels for the target; compiled extensions without wheels need emulation or a native node',
    underEmulation: 'usually fine: pip mostly unpacks wheels; building C extensions from source is slow',
    autoRewrite: false
  }
];

/** The profile for a language. */
export function languageProfile(id: Language): LanguageProfile {
  return LANGUAGES.find((l) => l.id === id)!;
}

const CROSS_LABEL: Record<LanguageProfile['cross'], string> = {
  yes: 'cross',
  'with-toolchain': 'cross with a cross toolchain',
  'no-native-code': 'cross without native addons',
  'rarely-needed': 'emulation is fine'
};

/** The table as GitHub-flavoured markdown, for the README. */
export function renderLanguageTable(): string {
  const rows = LANGUAGES.map((l) =>
    `| ${l.label} | ${CROSS_LABEL[l.cross]} | ${l.howToCross} | ${l.underEmulation} | ${l.autoRewrite ? 'yes' : 'no'} |`
  );
  return ['| Language | Strategy | How to cross-build | Under QEMU | Auto rewrite |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
