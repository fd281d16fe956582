/**
 * What leaves a set of stages: the paths other stages copy (`COPY --from`) or mount
 * (`RUN --mount=…,from=`) out of them. Pinning stages to $BUILDPLATFORM is only safe when what
 * leaves them is the build's own output, not files of the build platform (its packages, its
 * toolchain, the whole base image).
 */
import type { LegAnalysis } from './execution.js';
import type { StageLink } from './stages.js';

/** One path that leaves the stages. */
export interface StageExit {
  link: StageLink;
  /** Absolute, normalised: `COPY --from=x app/ /` takes `/app`. */
  path: string;
}

/** Where packages put files of their architecture; /usr/share and /etc hold data and config. */
const PACKAGE_DIRS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/usr/bin', '/usr/sbin', '/usr/lib', '/usr/lib32', '/usr/lib64', '/usr/libx32', '/usr/libexec', '/usr/include', '/opt', '/var/lib'];
/** Toolchains base images ship outside the package directories. */
const TOOLCHAIN_DIRS = ['/usr/local/go', '/usr/local/bin/node', '/usr/local/lib/node_modules', '/usr/local/cargo', '/usr/local/rustup', '/opt/java'];
/** Directories JavaScript builds write their output to; anything else may hold node_modules. */
const JS_OUTPUT_DIRS = new Set(['dist', 'build', 'out', 'public', 'www', 'static', 'storybook-static']);
const JS_OUTPUT_FILE = /\.(m?js|cjs|json|html|css|map|txt|svg|png|jpe?g|gif|ico|webp|woff2?|wasm)$/;

/** Paths leaving `members` (stage indexes) for stages outside it, over every leg. */
export function stageExits(legs: readonly LegAnalysis[], members: ReadonlySet<number>): StageExit[] {
  const seen = new Set<string>();
  const exits: StageExit[] = [];
  for (const leg of legs) {
    for (const link of leg.graph.links) {
      if (!members.has(link.from.index) || members.has(link.consumer.index)) continue;
      for (const source of link.sources) {
        const path = normalise(source);
        const key = `${link.line}:${path}`;
        if (seen.has(key)) continue;
        seen.add(key);
        exits.push({ link, path });
      }
    }
  }
  return exits.sort((a, b) => a.link.line - b.link.line);
}

/** `COPY --from=build /out/app` at line 9, for messages. */
export function describeExit(exit: StageExit): string {
  const what = exit.link.via === 'copy' ? `COPY --from=${exit.link.from.label}` : `RUN --mount=from=${exit.link.from.label}`;
  return `${what} ${exit.path} at line ${exit.link.line}`;
}

/** The package directory the path is, is in or contains; undefined when it holds no package files. */
export function packageDir(path: string): string | undefined {
  return overlap(path, PACKAGE_DIRS);
}

/** The base image's toolchain directory the path is, is in or contains. */
export function toolchainDir(path: string): string | undefined {
  return overlap(path, TOOLCHAIN_DIRS);
}

/** The path may hold a node_modules directory: it names one, or is a directory that is no known build output. */
export function mayHoldNodeModules(path: string): boolean {
  const segments = path.split('/').filter(Boolean);
  if (segments.includes('node_modules')) return true;
  const last = segments.at(-1) ?? '';
  return !JS_OUTPUT_DIRS.has(last) && !JS_OUTPUT_FILE.test(last);
}

function overlap(path: string, dirs: readonly string[]): string | undefined {
  // A glob reaches everything under the directory before it.
  const dir = path.replace(/\/[^/]*[*?[].*$/, '') || '/';
  return dirs.find((d) => dir === d || dir.startsWith(`${d}/`) || d.startsWith(dir === '/' ? '/' : `${dir}/`));
}

function normalise(source: string): string {
  const parts: string[] = [];
  for (const part of source.replace(/\\/g, '/').split('/')) {
    if (!part || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}
