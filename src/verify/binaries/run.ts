/**
 * The binary checks of one platform, by scope. `entrypoint`: what ENTRYPOINT/CMD (and the smoke
 * test's program) start and their loaders, reading layers only as far as the lookups need, then,
 * for a dynamically linked program, every library it loads through DT_NEEDED, from one streamed
 * pass over every layer. `all`: that pass first, for everything, plus the `binaries` check over
 * every ELF file in the image.
 */
import type { ImageSource } from '../../registry/source.js';
import type { Descriptor, ImageConfig } from '../../types/oci.js';
import type { Check } from '../../types/plan.js';
import { entrypointChecks } from '../arch-check.js';
import type { DockerfileProgramOrigin } from '../dockerfile-origin.js';
import { elfBytesNeeded, readElfFacts } from '../elf-facts.js';
import { isElf, matchesPlatform } from '../elf.js';
import { traceProgram, type ProgramTrace } from '../entrypoint.js';
import { LayerWalker, type KeepPolicy } from '../layers.js';
import { formatPlatform, type PlatformSpec } from '../platform.js';
import type { PathGlob } from './glob.js';
import { layerSteps } from './layer-steps.js';
import { resolveSearchPath } from './loader-path.js';
import { librariesCheck } from './needed-check.js';
import { resolveClosure, type ClosureRoot } from './needed.js';
import { scanImage, type ScannedImage } from './scan.js';
import { binariesCheck } from './verdict.js';

/** How much of the image the binary checks read. */
export type BinaryScope = 'all' | 'entrypoint';

/** The `verify-binaries` and `verify-ignore` inputs, and the smoke test's arguments. */
export interface BinaryOptions {
  scope: BinaryScope;
  ignore: PathGlob[];
  /** `smoke-test`: arguments the image is run with; without an ENTRYPOINT, the first is a program. */
  smokeArgs?: string[];
}

/** Keeps what elf-facts.ts needs of an ELF file (its dynamic section), HEAD_BYTES of anything else. */
export const keepForLibraries: KeepPolicy = (head, size) => (isElf(head) ? elfBytesNeeded(head, size) : head.length);

/** entrypoint-arch, interpreter, libraries and (scope `all`) binaries. Rejects only with LayerReadError. */
export async function binaryChecks(source: ImageSource, layers: readonly Descriptor[], config: ImageConfig, spec: PlatformSpec, opts: BinaryOptions, origin?: DockerfileProgramOrigin): Promise<Check[]> {
  const scanned = opts.scope === 'all' ? await scanImage(source, layers) : undefined;
  const walker = scanned?.walker ?? new LayerWalker(source, layers, { keep: keepForLibraries, resume: true });
  try {
    return await checksWith(walker, scanned, source, layers, config, spec, opts, origin);
  } finally {
    walker.close();
  }
}

async function checksWith(walker: LayerWalker, scanned: ScannedImage | undefined, source: ImageSource, layers: readonly Descriptor[], config: ImageConfig, spec: PlatformSpec, opts: BinaryOptions, origin?: DockerfileProgramOrigin): Promise<Check[]> {
  const platform = formatPlatform(spec);
  const trace = await traceProgram(walker, config);
  const checks = entrypointChecks(trace, platform, origin);
  const traces = [trace, await smokeTrace(walker, config, opts.smokeArgs)].filter((t): t is ProgramTrace => t !== undefined);

  const { roots, notes } = closureRoots(traces, spec);
  const steps = layerSteps(config, layers.length);
  if (roots.length === 0 && !scanned) {
    // Nothing dynamic to follow: the lazy walk stops here, having read only what the trace needed.
    checks.push(librariesCheck({ closure: { libraries: [], problems: [] }, roots: [], platform: spec, libc: 'glibc', ignore: opts.ignore, steps, notes }));
    return checks;
  }
  // The library search looks up many names in many directories, and a lazy walk would re-read a
  // layer from its start for each one it has not reached yet: one streamed pass is cheaper.
  const image = scanned ?? (await scanImage(source, layers));
  const interpreter = roots.find((r) => r.elf.interpreter)?.elf.interpreter;
  const env = config.config?.Env ?? [];
  const search = await resolveSearchPath(image.walker, spec.architecture, interpreter, env);
  const closure = await resolveClosure(image.walker, roots, spec, search, interpreter);
  checks.push(librariesCheck({ closure, roots: roots.map((r) => r.file.path), platform: spec, libc: search.libc, ignore: opts.ignore, steps, notes }));
  if (scanned) checks.push(await binariesCheck({ scanned, platform: spec, config, search, ignore: opts.ignore }));
  return checks;
}


/** The smoke test's own program: its first argument, when there is no ENTRYPOINT to receive them. */
async function smokeTrace(walker: LayerWalker, config: ImageConfig, args: string[] | undefined): Promise<ProgramTrace | undefined> {
  if (!args?.length || (config.config?.Entrypoint?.length ?? 0) > 0) return undefined;
  return traceProgram(walker, { ...config, config: { ...config.config, Cmd: args } });
}

/** The dynamically linked programs for this platform that the traces reach, once each. */
function closureRoots(traces: ProgramTrace[], spec: PlatformSpec): { roots: ClosureRoot[]; notes: string[] } {
  const roots: ClosureRoot[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const step of traces.flatMap((t) => t.steps)) {
    if (!step.elf || seen.has(step.file.path)) continue;
    seen.add(step.file.path);
    if (!matchesPlatform(step.elf, spec).ok) {
      notes.push(`${step.file.path} is not built for ${formatPlatform(spec)} (see entrypoint-arch), so its libraries were not followed.`);
      continue;
    }
    if (step.elf.linkage !== 'dynamic') continue;
    const facts = step.file.facts ?? readElfFacts(step.file.head, step.file.size);
    if (facts.elf) roots.push({ file: step.file, elf: facts.elf, facts });
  }
  return { roots, notes };
}
