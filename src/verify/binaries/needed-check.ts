/**
 * The `libraries` check, from a closure (needed.ts): every library the image's programs need must
 * be in the image, for the platform, where the loader looks. Each problem names the chain that
 * needs the library, so a missing libfoo.so.1 three levels down says which package brought it in.
 */
import type { Check } from '../../types/plan.js';
import { describeExpected } from '../elf.js';
import { describeLayer, type ResolvedFile } from '../layers.js';
import { formatPlatform, type PlatformSpec } from '../platform.js';
import type { PathGlob } from './glob.js';
import type { Libc } from './loader-path.js';
import type { Closure, LibraryProblem, RejectedCopy } from './needed.js';

/** Search directories listed in a message before "…". */
const DIRS_SHOWN = 6;
/** Libraries listed in a passing check's detail. */
const LIBS_SHOWN = 12;

/** What the check reports besides the closure itself. */
export interface LibrariesInput {
  closure: Closure;
  /** The programs followed, e.g. `/usr/local/bin/app`. */
  roots: string[];
  platform: PlatformSpec;
  libc: Libc;
  ignore: PathGlob[];
  /** The Dockerfile step of each layer, when the history says. */
  steps: Array<string | undefined>;
  /** Programs not followed, and why (another architecture, statically linked). */
  notes: string[];
}

/** The check, or a skipped one when no dynamically linked program is started. */
export function librariesCheck(input: LibrariesInput): Check {
  const { closure, roots, platform } = input;
  if (roots.length === 0) {
    const why = input.notes.length ? input.notes.join(' ') : 'No dynamically linked program is started, so there are no libraries to follow.';
    return { name: 'libraries', ok: true, skipped: true, detail: why };
  }
  const where = (file: ResolvedFile): string => {
    const step = input.steps[file.layer];
    return `${describeLayer(file.layer, file.layerCount)}${step ? `: ${step}` : ''}`;
  };
  const ignored = closure.problems.filter((p) => isIgnored(p, input.ignore));
  const problems = closure.problems.filter((p) => !ignored.includes(p));
  const failures = problems.filter((p) => p.kind !== 'unreadable');
  const notes = [...input.notes];
  for (const p of problems) if (p.kind === 'unreadable') notes.push(`${p.path}: its DT_NEEDED list was not read (${p.reason}).`);
  if (ignored.length) notes.push(`${ignored.length} library problem${ignored.length === 1 ? '' : 's'} matched verify-ignore.`);
  const expected = `every library ${roots.join(', ')} ${roots.length === 1 ? 'needs' : 'need'}, found by the ${input.libc} loader and built for ${describeExpected(platform)}`;

  if (failures.length === 0) {
    const shown = closure.libraries.slice(0, LIBS_SHOWN).map((l) => `${l.name} → ${l.file.path}`);
    const more = closure.libraries.length > LIBS_SHOWN ? `, … ${closure.libraries.length - LIBS_SHOWN} more` : '';
    const found = closure.libraries.length ? `Found ${shown.join(', ')}${more}.` : 'No DT_NEEDED entries.';
    return { name: 'libraries', ok: true, expected, actual: `${closure.libraries.length} librar${closure.libraries.length === 1 ? 'y' : 'ies'} found, all ${formatArch(platform)}`, detail: [found, ...notes].join(' ') };
  }
  const lines = failures.map((p) => describeProblem(p, platform, where));
  return { name: 'libraries', ok: false, expected, actual: summarize(failures), detail: [...lines, ...notes].join(' ') };
}

function describeProblem(p: LibraryProblem, platform: PlatformSpec, where: (f: ResolvedFile) => string): string {
  const chain = p.chain.join(' → ');
  if (p.kind === 'missing') {
    const dirs = p.searched.length > DIRS_SHOWN ? [...p.searched.slice(0, DIRS_SHOWN), '…'] : p.searched;
    const error = `"error while loading shared libraries: ${p.name}: cannot open shared object file"`;
    if (p.rejected.length === 0) {
      return `${chain} (not found in ${dirs.join(', ')}): starting it fails with ${error}. Install the package that provides ${p.name} in the final stage, or COPY it from the stage that built the program.`;
    }
    const copies = p.rejected.map((r) => describeCopy(r, where)).join('; ');
    return `${chain}: the only cop${p.rejected.length === 1 ? 'y is' : 'ies are'} ${copies}, which the ${formatPlatform(platform)} loader skips, so starting it fails with ${error}. Copy the library from a stage built for ${formatPlatform(platform)} (no --platform=$BUILDPLATFORM on that stage).`;
  }
  if (p.kind === 'wrong-arch') return `${chain}: ${describeCopy(p.copy, where)}: ${p.copy.why}.`;
  return `${p.path}: ${p.reason}`;
}

function describeCopy(copy: RejectedCopy, where: (f: ResolvedFile) => string): string {
  return `${copy.file.path} (${copy.actual}, from ${where(copy.file)})`;
}

/** `missing: libfoo.so.1; wrong arch: libbar.so.2 (amd64)`. */
function summarize(failures: LibraryProblem[]): string {
  const missing = failures.filter((p) => p.kind === 'missing' && p.rejected.length === 0).map((p) => (p.kind === 'missing' ? p.name : ''));
  const wrong = failures.flatMap((p) => (p.kind === 'missing' && p.rejected.length ? [`${p.name} (${p.rejected[0]!.elf.arch ?? p.rejected[0]!.elf.machineName})`] : p.kind === 'wrong-arch' ? [`${p.name} (${p.copy.elf.arm?.variant ? `arm/${p.copy.elf.arm.variant}` : (p.copy.elf.arch ?? p.copy.elf.machineName)})`] : []));
  const parts: string[] = [];
  if (missing.length) parts.push(`missing: ${[...new Set(missing)].join(', ')}`);
  if (wrong.length) parts.push(`wrong arch: ${[...new Set(wrong)].join(', ')}`);
  return parts.join('; ');
}

function isIgnored(p: LibraryProblem, ignore: PathGlob[]): boolean {
  if (ignore.length === 0) return false;
  const paths = p.kind === 'missing' ? [`/${p.name}`, ...p.searched.map((d) => `${d}/${p.name}`), ...p.rejected.map((r) => r.file.path)] : p.kind === 'wrong-arch' ? [p.copy.file.path] : [p.path];
  return paths.some((path) => ignore.some((g) => g.test(path)));
}

function formatArch(platform: PlatformSpec): string {
  return platform.variant ? `${platform.architecture}/${platform.variant}` : platform.architecture;
}
