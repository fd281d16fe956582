/**
 * Whether a Maven or Gradle build in the context makes machine code, which would make pinning
 * its stage to $BUILDPLATFORM put the build platform's code into the target's image. Read from
 * the build files (pom.xml, build.gradle(.kts)); what the Dockerfile's own commands do is judged
 * in rewrite-safety.ts.
 */
import type { ContextFiles } from './context.js';

/** One build-file line that makes (or picks) machine code, and why that matters. */
interface NativeRule {
  test: RegExp;
  why: (match: string) => string;
}

const SELECTED =
  "selects a native artifact by the build machine's platform, so a cross build would put the build platform's native library in the image";
const JNI = 'builds a JNI library, which is machine code for the platform the build runs on';

/**
 * protoc and its plugins run during the build and only write Java sources, which are the same for
 * every target: a classifier on their line picks the build machine's protoc, which is right.
 */
const CODE_GENERATOR = /protoc|protobuf|grpc-java|protoc-gen/i;

const RULES: NativeRule[] = [
  // netty-tcnative, netty epoll, … chosen by os-maven-plugin / osdetector, or by os.arch directly.
  { test: /\$\{os\.detected\.(classifier|arch)\}|osdetector\.(classifier|arch)|\bos\.arch\b/, why: (m) => `uses ${m}: it ${SELECTED}` },
  { test: /cmake-maven-plugin|nar-maven-plugin|hawtjni-maven-plugin/, why: (m) => `uses ${m}, which ${JNI}` },
  { test: /\b(cpp-library|cpp-application|c-library|swift-library|externalNativeBuild)\b/, why: (m) => `uses ${m}, which ${JNI}` },
  // exec-maven-plugin / antrun / a Gradle Exec task running a C toolchain.
  {
    test: /<executable>\s*(cmake|make|gmake|gcc|g\+\+|cc|clang|ninja)\s*<|executable="(cmake|make|gmake|gcc|g\+\+|cc|clang|ninja)"|commandLine\s*\(?\s*["'](cmake|make|gmake|gcc|g\+\+|cc|clang|ninja)["']/,
    why: (m) => `runs \`${/(cmake|gmake|make|gcc|g\+\+|clang|ninja|cc)/.exec(m)![1]}\`, which ${JNI}`
  }
];

const BUILD_FILE = /(^|\/)(pom\.xml|build\.gradle(\.kts)?)$/;

/** The first build-file line that makes machine code, as `file:line what`, or undefined. */
export function findJvmMachineCode(files: ContextFiles): string | undefined {
  for (const path of files.paths.filter((p) => BUILD_FILE.test(p))) {
    const text = files.read(path);
    if (!text) continue;
    const found = scanLines(text) ?? (path.endsWith('pom.xml') ? boundNativeImage(text) : undefined);
    if (found) return `${path}:${found.line} ${found.what}`;
  }
  return undefined;
}

function scanLines(text: string): { line: number; what: string } | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    for (const rule of RULES) {
      const m = rule.test.exec(line);
      if (!m) continue;
      if (rule === RULES[0] && CODE_GENERATOR.test(line)) continue;
      return { line: i + 1, what: rule.why(m[0]) };
    }
  }
  return undefined;
}

/**
 * GraalVM's native-maven-plugin with an execution in the main build (outside `<profiles>`) runs on
 * a plain `mvn package`; in a profile it runs only with `-P`, which the command check catches.
 */
function boundNativeImage(pom: string): { line: number; what: string } | undefined {
  // Blank out profiles but keep their newlines, so line numbers stay right.
  const main = pom.replace(/<profiles>[\s\S]*?<\/profiles>/g, (p) => p.replace(/[^\n]/g, ' '));
  const plugin = /<groupId>\s*org\.graalvm\.buildtools\s*<\/groupId>[\s\S]*?<\/plugin>/.exec(main);
  if (!plugin || !/<execution>/.test(plugin[0])) return undefined;
  const line = main.slice(0, plugin.index).split('\n').length;
  return { line, what: 'runs the GraalVM native-maven-plugin in the main build, which makes a GraalVM native image: machine code for the build platform' };
}
