/** What `docker buildx` says about itself and its builders, parsed from its own output. */
import { exec, execOk } from '../exec.js';

export interface BuilderInfo {
  name: string;
  driver: string;
  nodes: { name: string; endpoint?: string; status?: string; platforms: string[]; buildkitVersion?: string }[];
}

/** Asked once per client (the plan and the set-up both need it): keyed by what picks the plugin. */
const versions = new Map<string, Promise<string>>();

/** `docker buildx version` → "0.13.1". */
export async function buildxVersion(): Promise<string> {
  const key = `${process.env.PATH ?? ''}\0${process.env.DOCKER_CONFIG ?? ''}`;
  let version = versions.get(key);
  if (!version) {
    version = execOk('docker', ['buildx', 'version']).then((res) => parseBuildxVersion(res.stdout));
    // A failed ask is not remembered: the next caller asks again.
    version.catch(() => versions.delete(key));
    versions.set(key, version);
  }
  return version;
}

export function parseBuildxVersion(stdout: string): string {
  const m = /v?(\d+\.\d+\.\d+)/.exec(stdout);
  if (!m) throw new Error(`could not read the buildx version from "${stdout.trim()}"`);
  return m[1]!;
}

/** True when `version` is at least `min` (both x.y.z). */
export function isVersionAtLeast(version: string, min: string): boolean {
  const a = version.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

/** Inspect a builder (the current one when name is undefined); undefined when it doesn't exist. */
export async function inspectBuilder(name?: string): Promise<BuilderInfo | undefined> {
  const args = ['buildx', 'inspect', '--bootstrap'];
  if (name) args.push(name);
  const res = await exec('docker', args);
  if (res.code !== 0) return undefined;
  return parseInspect(res.stdout);
}

export function parseInspect(stdout: string): BuilderInfo {
  const info: BuilderInfo = { name: '', driver: '', nodes: [] };
  let node: BuilderInfo['nodes'][number] | undefined;
  for (const raw of stdout.split('\n')) {
    const m = /^([A-Za-z][A-Za-z /]*?):\s*(.*)$/.exec(raw.trim());
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'Name' && !node && !info.name) info.name = value;
    else if (key === 'Driver' && !info.driver) info.driver = value;
    else if (key === 'Name') {
      node = { name: value, platforms: [] };
      info.nodes.push(node);
    } else if (key === 'Endpoint' && node) node.endpoint = value;
    else if (key === 'Status' && node) node.status = value;
    // buildx 0.13 says "BuildKit:", 0.29 "BuildKit version:"; a distro build reports v0.0.0+unknown.
    else if ((key === 'BuildKit' || key === 'BuildKit version') && node) {
      const v = /v?(\d+\.\d+\.\d+)/.exec(value)?.[1];
      if (v && v !== '0.0.0') node.buildkitVersion = v;
    }
    else if (key === 'Platforms' && node) node.platforms = value.split(',').map((p) => p.trim().replace(/\*$/, '')).filter(Boolean);
  }
  return info;
}

/** `docker buildx inspect` → BuildKit versions of its nodes; `v0.0.0+unknown` (a distro build) is unknown. */
export function parseBuildkitVersions(inspectStdout: string): string[] {
  const out: string[] = [];
  for (const line of inspectStdout.split('\n')) {
    const m = /^\s*BuildKit(?: version)?:\s*v?(\d+\.\d+\.\d+)/.exec(line);
    if (m && m[1] !== '0.0.0') out.push(m[1]!);
  }
  return out;
}
