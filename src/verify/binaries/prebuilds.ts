/**
 * Language load paths, and the packages that ship a binary per architecture side by side. Node
 * loads any `.node` file a package requires; a `build/Release` addon is loaded whatever it was
 * built for, while a prebuild whose path names an architecture (`prebuilds/linux-x64/`,
 * `@swc/core-linux-x64-gnu`, `napi-v6-linux-x64`, `sharp-linux-x64.node`) is only picked on
 * that architecture, by node-gyp-build, prebuild-install, node-pre-gyp or a napi-rs loader.
 * CPython loads an extension module only when its suffix names the interpreter's own machine
 * (`.cpython-311-aarch64-linux-gnu.so`) or none (`.abi3.so`, `.so`).
 */
import { baseName, parentOf } from '../paths.js';
import { archOfToken, tokensOf } from './arch-names.js';

/** Which runtime loads a file, when a language runtime does. */
export type LanguagePath = { runtime: 'node' } | { runtime: 'python' };

/** A path segment that names an architecture, and where in the path it sits. */
export interface ArchTag {
  /** Docker's name for the architecture the path names. */
  arch: string;
  /** The token as written: `x64`, `x86_64`. */
  token: string;
  /** Offset of the token in the path. */
  at: number;
}

const NODE_ARCHES = ['x86_64', 'amd64', 'x64', 'aarch64', 'arm64', 'armv7l', 'armv7', 'armv6l', 'arm', 'ia32', 'i386', 'i686', 'ppc64le', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el', 'mipsel'];
const NODE_TAG = new RegExp(`(?:^|[^a-z0-9])(?:linux|linuxmusl)[-_](${NODE_ARCHES.join('|')})(?![a-z0-9])`, 'gi');
const PYTHON_TAG = /\.(?:cpython|pypy)[^./]*-([a-z0-9_]+)-linux-(?:gnu|musl)[a-z0-9]*\.so$/i;

/** Node for `.node` files under node_modules; Python for anything in site-packages, dist-packages or lib-dynload. */
export function languagePathOf(path: string): LanguagePath | undefined {
  if (path.endsWith('.node') && path.includes('/node_modules/')) return { runtime: 'node' };
  if (/\/(site-packages|dist-packages|lib-dynload)\//.test(path)) return { runtime: 'python' };
  return undefined;
}

/** Every architecture a Node path names below node_modules, outermost first. */
export function nodeArchTags(path: string): ArchTag[] {
  const start = path.indexOf('/node_modules/');
  if (start < 0) return [];
  const tags: ArchTag[] = [];
  for (const m of path.slice(start).matchAll(NODE_TAG)) {
    const token = m[1] as string;
    const arch = archOfToken(token);
    if (arch) tags.push({ arch, token, at: start + (m.index ?? 0) + m[0].length - token.length });
  }
  return tags;
}

/** The architecture a CPython extension suffix names, if any. */
export function pythonArchTag(path: string): ArchTag | undefined {
  const m = PYTHON_TAG.exec(path);
  if (!m) return undefined;
  const token = m[1] as string;
  const arch = archOfToken(token === 'arm' ? 'arm' : token);
  return arch ? { arch, token, at: path.length - m[0].length + m[0].indexOf(`-${token}-`) + 1 } : undefined;
}

/**
 * Where the same package would keep its build for `arch`: the path up to the end of the tagged
 * segment, with the token swapped for each spelling of `arch`. `/m/prebuilds/linux-x64/x.node`
 * gives `/m/prebuilds/linux-arm64` (a directory), `@swc/core-linux-x64-gnu/swc.linux-x64-gnu.node`
 * gives `@swc/core-linux-x64-gnu/swc.linux-arm64-gnu.node` and, one level up, the sibling package.
 */
export function siblingCandidates(path: string, tag: ArchTag, arch: string): string[] {
  const out: string[] = [];
  for (const token of tokensOf(arch)) {
    const segmentEnd = path.indexOf('/', tag.at);
    const end = segmentEnd < 0 ? path.length : segmentEnd;
    out.push(path.slice(0, tag.at) + token + path.slice(tag.at + tag.token.length, end));
  }
  return [...new Set(out)];
}

/** For a CPython module: the names the interpreter for `arch` would load instead. */
export function pythonSiblings(path: string, tag: ArchTag, arch: string): string[] {
  const dir = parentOf(path);
  const module = baseName(path).split('.')[0] as string;
  const tagged = siblingCandidates(path, tag, arch);
  return [...tagged, `${dir}/${module}.abi3.so`, `${dir}/${module}.so`];
}
