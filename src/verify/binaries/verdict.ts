/**
 * The `binaries` check: every ELF file in the unpacked image, judged by whether the platform's
 * runtime would load it. A foreign one (another machine, or too new an ARM) fails the platform
 * when it sits where something loads binaries from: a PATH directory (itself or through a link
 * there), a directory of the loader's search path, a Node addon under node_modules, a CPython
 * extension. Prebuilds for another architecture beside the right one are the package's business
 * and pass silently; any other foreign ELF is a warning that says which layer and step added it.
 */
import type { Check } from '../../types/plan.js';
import type { ImageConfig } from '../../types/oci.js';
import { describeElf, describeExpected, matchesPlatform, type ElfInfo } from '../elf.js';
import { execContext } from '../entrypoint.js';
import { describeLayer, type LayerWalker, type ResolvedFile } from '../layers.js';
import { baseName, joinPath, parentOf } from '../paths.js';
import { formatPlatform, type PlatformSpec } from '../platform.js';
import { wheelMachine } from './arch-names.js';
import type { PathGlob } from './glob.js';
import { layerSteps } from './layer-steps.js';
import { sharedDirs, type SearchPath } from './loader-path.js';
import { languagePathOf, nodeArchTags, pythonArchTag, pythonSiblings, siblingCandidates } from './prebuilds.js';
import type { ScannedImage } from './scan.js';

/** ELF e_type values the kernel or the loader maps: executables and shared objects (PIEs too). */
const LOADABLE = new Set([2, 3]);
/** Warning lines listed per platform; the rest are counted. */
const MAX_WARNING_LINES = 50;
/** File names shown per warned directory. */
const NAMES_PER_DIR = 4;

/** One foreign ELF file in the unpacked image. */
interface Foreign {
  path: string;
  file: ResolvedFile;
  elf: ElfInfo;
}

/** Why a foreign file fails the platform. */
interface Loaded {
  foreign: Foreign;
  why: string;
  fix: string;
}

/** What the check needs besides the scan. */
export interface VerdictInput {
  scanned: ScannedImage;
  platform: PlatformSpec;
  config: ImageConfig;
  search: SearchPath;
  ignore: PathGlob[];
}

/** The `binaries` check for one platform. */
export async function binariesCheck(input: VerdictInput): Promise<Check> {
  const { scanned, platform, config } = input;
  const walker = scanned.walker;
  const steps = layerSteps(config, walker.layerCount);
  const where = (file: ResolvedFile): string => {
    const step = steps[file.layer];
    return `${describeLayer(file.layer, file.layerCount)}${step ? `: ${step}` : ''}`;
  };
  const inventory = await foreignFiles(walker, scanned, platform);
  const ignored = inventory.foreign.filter((f) => input.ignore.some((g) => g.test(f.path)));
  const foreign = inventory.foreign.filter((f) => !ignored.includes(f));

  const loadDirs = await realDirs(walker, [
    ...execContext(config).path.map((d) => ({ dir: joinPath('/', d), role: 'a PATH directory' })),
    ...[...input.search.env, ...sharedDirs(input.search)].map((d) => ({ dir: d, role: "a directory of the loader's search path" }))
  ]);
  const loaded: Loaded[] = [];
  const quiet: Foreign[] = [];
  const unloaded: Foreign[] = [];
  for (const f of foreign) {
    const verdict = await judge(walker, f, platform, loadDirs);
    if (verdict === 'quiet') quiet.push(f);
    else if (verdict) loaded.push({ foreign: f, ...verdict });
    else unloaded.push(f);
  }
  loaded.push(...(await linkedIntoLoadDirs(walker, loadDirs, platform, input.ignore, new Set(loaded.map((l) => l.foreign.path)))));

  const expected = `no foreign ELF where ${formatPlatform(platform)} loads binaries from (PATH, the loader's search path, node_modules, site-packages): ${describeExpected(platform)}`;
  const counts = `${inventory.total} ELF file${inventory.total === 1 ? '' : 's'}`;
  const notes: string[] = [];
  if (quiet.length) notes.push(`${quiet.length} prebuild${quiet.length === 1 ? '' : 's'} for other architectures sit beside the ${formatPlatform(platform)} one and are never loaded.`);
  if (ignored.length) notes.push(`${ignored.length} foreign ELF file${ignored.length === 1 ? '' : 's'} matched verify-ignore.`);
  if (inventory.unreadable.length) notes.push(`${inventory.unreadable.length} file${inventory.unreadable.length === 1 ? '' : 's'} start like ELF but could not be parsed: ${inventory.unreadable.slice(0, 3).join(', ')}${inventory.unreadable.length > 3 ? ', …' : ''}.`);
  const warnings = warningLines(unloaded, where);
  if (loaded.length === 0) {
    const actual = foreign.length === 0 ? `${counts}, all ${describeArch(platform)}` : `${counts}; ${unloaded.length + quiet.length} foreign, none loaded`;
    return { name: 'binaries', ok: true, expected, actual, ...(notes.length ? { detail: notes.join(' ') } : {}), ...(warnings.length ? { warnings } : {}) };
  }
  const lines = loaded.map((l) => `${l.foreign.path} is ${describeElf(l.foreign.elf)}, from ${where(l.foreign.file)}; ${l.why}. ${l.fix}`);
  const first = loaded[0] as Loaded;
  return {
    name: 'binaries',
    ok: false,
    expected,
    actual: `${loaded.length} foreign ELF file${loaded.length === 1 ? '' : 's'} ${formatPlatform(platform)} would load: ${first.foreign.path} (${first.foreign.elf.arch ?? first.foreign.elf.machineName})${loaded.length > 1 ? ', …' : ''}`,
    detail: [...lines, ...notes].join(' '),
    ...(warnings.length ? { warnings } : {})
  };
}

/** Every ELF file that survives into the unpacked image, and the foreign ones among them. */
async function foreignFiles(walker: LayerWalker, scanned: ScannedImage, platform: PlatformSpec): Promise<{ total: number; foreign: Foreign[]; unreadable: string[] }> {
  const foreign: Foreign[] = [];
  const unreadable: string[] = [];
  let total = 0;
  for (const [layer, scan] of scanned.layers.entries()) {
    for (const path of scan.elves) {
      const lookup = await walker.resolve(path);
      // Deleted, hidden or replaced by a later layer: not in the image the runtime unpacks.
      if (!lookup.found || lookup.file.path !== path || lookup.file.layer !== layer) continue;
      const facts = lookup.file.facts;
      if (!facts?.elf) {
        unreadable.push(path);
        continue;
      }
      if (!LOADABLE.has(facts.elf.type)) continue;
      total++;
      if (!matchesPlatform(facts.elf, platform).ok) foreign.push({ path, file: lookup.file, elf: facts.elf });
    }
  }
  return { total, foreign, unreadable };
}

/**
 * Whether the runtime would load `f`: a reason and a fix when it would, 'quiet' for a prebuild
 * beside its right-arch twin, undefined when nothing loads it.
 */
async function judge(walker: LayerWalker, f: Foreign, platform: PlatformSpec, loadDirs: Map<string, string>): Promise<Omit<Loaded, 'foreign'> | 'quiet' | undefined> {
  const language = languagePathOf(f.path);
  const want = formatPlatform(platform);
  if (language?.runtime === 'node') {
    const tags = nodeArchTags(f.path).filter((t) => t.arch !== platform.architecture);
    if (tags.length === 0) {
      return {
        why: 'Node loads a .node addon whatever it was built for, and require() then fails with "invalid ELF header" or "wrong ELF class"',
        fix: `Install node_modules in a stage built for ${want} (npm ci without --platform=$BUILDPLATFORM on that stage), or run npm rebuild there.`
      };
    }
    if (await anyExists(walker, tags.flatMap((t) => siblingCandidates(f.path, t, platform.architecture)))) return 'quiet';
    return undefined;
  }
  if (language?.runtime === 'python') {
    const tag = pythonArchTag(f.path);
    if (tag && tag.arch !== platform.architecture && (await anyExists(walker, pythonSiblings(f.path, tag, platform.architecture)))) return 'quiet';
    return {
      why: tag && tag.arch !== platform.architecture ? `its suffix names ${tag.token}, so the ${platform.architecture} interpreter skips it and the import fails` : 'CPython imports it as an extension module and fails with "wrong ELF class" or "cannot open shared object file"',
      fix: `Install the Python packages in a stage built for ${want}, or fetch wheels for it (pip download --platform manylinux2014_${wheelMachine(platform.architecture)} --only-binary=:all:).`
    };
  }
  const role = loadDirs.get(parentOf(f.path));
  if (role) return { why: `it is in ${role} (${parentOf(f.path)})`, fix: fixFor(want) };
  return undefined;
}

/** Symlinks and hardlinks in load directories that lead to a foreign ELF elsewhere. */
async function linkedIntoLoadDirs(walker: LayerWalker, loadDirs: Map<string, string>, platform: PlatformSpec, ignore: PathGlob[], reported: Set<string>): Promise<Loaded[]> {
  const out: Loaded[] = [];
  for (const [dir, role] of loadDirs) {
    for (const name of (await walker.listDir(dir)) ?? []) {
      const link = joinPath(dir, name);
      const lookup = await walker.resolve(link);
      if (!lookup.found || lookup.file.kind !== 'file' || lookup.file.hops.length === 0) continue;
      const target = lookup.file;
      const elf = target.facts?.elf;
      if (!elf || !LOADABLE.has(elf.type) || matchesPlatform(elf, platform).ok) continue;
      if (reported.has(target.path) || ignore.some((g) => g.test(target.path) || g.test(link))) continue;
      reported.add(target.path);
      out.push({ foreign: { path: target.path, file: target, elf }, why: `${link} in ${role} leads to it (${lookup.file.hops.join(', ')})`, fix: fixFor(formatPlatform(platform)) });
    }
  }
  return out;
}

/** PATH and loader directories as the unpacked image has them (symlinked dirs resolved), with their role. */
async function realDirs(walker: LayerWalker, dirs: Array<{ dir: string; role: string }>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const { dir, role } of dirs) {
    const lookup = await walker.resolve(dir);
    if (lookup.found && lookup.file.kind === 'dir' && !out.has(lookup.file.path)) out.set(lookup.file.path, role);
  }
  return out;
}

async function anyExists(walker: LayerWalker, paths: string[]): Promise<boolean> {
  for (const p of paths) if ((await walker.resolve(p)).found) return true;
  return false;
}

/** One line per directory and layer: the foreign files nothing loads. */
function warningLines(unloaded: Foreign[], where: (file: ResolvedFile) => string): string[] {
  const groups = new Map<string, Foreign[]>();
  for (const f of unloaded) {
    const key = `${parentOf(f.path)}\0${f.file.layer}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const lines: string[] = [];
  for (const files of groups.values()) {
    const first = files[0] as Foreign;
    const arches = [...new Set(files.map((f) => f.elf.arch ?? f.elf.machineName))].join(', ');
    const shown = files.slice(0, NAMES_PER_DIR).map((f) => baseName(f.path));
    const names = files.length === 1 ? first.path : `${parentOf(first.path)}/{${shown.join(', ')}${files.length > shown.length ? `, … ${files.length - shown.length} more` : ''}}`;
    lines.push(`${names}: ${arches}, not loaded from there (${where(first.file)})`);
  }
  if (lines.length <= MAX_WARNING_LINES) return lines;
  return [...lines.slice(0, MAX_WARNING_LINES), `… and ${lines.length - MAX_WARNING_LINES} more directories with foreign ELF files`];
}

function fixFor(want: string): string {
  return `Build or download it for ${want} (pick the URL or GOARCH by $TARGETARCH), or delete it if nothing needs it.`;
}

function describeArch(platform: PlatformSpec): string {
  return platform.variant ? `${platform.architecture}/${platform.variant}` : platform.architecture;
}
