/** The `nodes` input: native BuildKit nodes appended to a builder the run creates. */
import { parse as parseYaml } from 'yaml';
import { InputError } from '../input-error.js';
import { parseList } from '../inputs.js';
import { normalizePlatform } from '../platform.js';
import type { NodeSpec } from '../types/config.js';

const NODES_FORM = 'a YAML list of {name, endpoint, platforms, driver, driver-opts}, e.g. "- {name: arm64, driver: remote, endpoint: tcp://buildkit-arm64:1234, platforms: linux/arm64}"';
const NODE_DRIVERS = ['docker-container', 'kubernetes', 'remote'];
const NODE_KEYS = new Set(['name', 'endpoint', 'platforms', 'driver', 'driver-opts']);
/** The remote driver's schemes (buildx driver/remote/util/endpoint.go). */
const REMOTE_SCHEMES = ['tcp', 'unix', 'ssh', 'docker-container', 'kube-pod', 'npipe'];

/**
 * The `nodes` input → NodeSpec[]. Nodes join a builder the run creates (src/setup/nodes.ts), so
 * they conflict with `builder` and `driver: docker`; what buildx would reject later (a node name,
 * mixed drivers, a duplicate endpoint, a platform on two nodes) is rejected here, by entry.
 */
export function resolveNodes(raw: string, other: { builder: string; driver: string }, warn: (message: string) => void): NodeSpec[] {
  if (raw.trim() === '') return [];
  let doc: unknown;
  try {
    doc = parseYaml(raw);
  } catch (err) {
    throw new InputError('nodes', `is not valid YAML: ${(err as Error).message.split('\n')[0]} (expected ${NODES_FORM})`);
  }
  if (doc === null || doc === undefined) return [];
  if (!Array.isArray(doc)) throw new InputError('nodes', `is not a list (expected ${NODES_FORM})`);
  if (other.builder) throw new InputError('nodes', `cannot be used with input "builder" ("${other.builder}"): nodes are appended to a builder multiarch creates for the run (expected one of the two; to keep your builder, append the nodes to it with docker buildx create --append)`);
  if (other.driver === 'docker') throw new InputError('nodes', 'cannot be used with driver "docker": a docker-driver builder takes no nodes (expected driver auto or docker-container)');
  const out: NodeSpec[] = [];
  for (const [i, item] of doc.entries()) {
    const at = `entry ${i + 1}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new InputError('nodes', `${at} is not a mapping (expected ${NODES_FORM})`);
    const entry = item as Record<string, unknown>;
    for (const key of Object.keys(entry)) if (!NODE_KEYS.has(key)) warn(`Input "nodes": ${at} has an unknown key "${key}" (valid keys: ${[...NODE_KEYS].join(', ')}); it is ignored.`);
    const scalar = (key: string): string | undefined => {
      const v = entry[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v === 'object') throw new InputError('nodes', `${at}: "${key}" is not a single value (expected a string)`);
      return String(v).trim() || undefined;
    };
    const name = scalar('name');
    if (!name) throw new InputError('nodes', `${at} has no "name" (expected ${NODES_FORM})`);
    // buildx's own rule (store/util.go), and it lowercases the name.
    if (!/^[a-zA-Z][a-zA-Z0-9._-]*$/.test(name)) throw new InputError('nodes', `${at}: name "${name}" is not valid (expected a letter, then letters, digits, ".", "_" or "-")`);
    const where = `${at} ("${name}")`;
    const driver = scalar('driver') ?? 'docker-container';
    if (!NODE_DRIVERS.includes(driver)) throw new InputError('nodes', `${where}: driver "${driver}" is not allowed (expected one of: ${NODE_DRIVERS.join(', ')})`);
    // A kubernetes node becomes a Deployment named after it (an RFC 1123 name).
    if (driver === 'kubernetes' && !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(name.toLowerCase())) throw new InputError('nodes', `${where}: a kubernetes node's name becomes a Deployment name (expected lowercase letters, digits, "-" and ".")`);
    const endpoint = scalar('endpoint');
    if (driver === 'kubernetes' && endpoint) throw new InputError('nodes', `${where}: the kubernetes driver takes no endpoint (it reads KUBECONFIG; expected driver-opts such as namespace=buildkit)`);
    if (driver === 'remote') {
      if (!endpoint) throw new InputError('nodes', `${where}: the remote driver needs an endpoint (expected a BuildKit address, e.g. tcp://buildkit-arm64:1234)`);
      const scheme = /^([a-z][a-z0-9+.-]*):\/\//.exec(endpoint)?.[1];
      if (!scheme || !REMOTE_SCHEMES.includes(scheme)) throw new InputError('nodes', `${where}: endpoint "${endpoint}" is not a BuildKit address (expected ${REMOTE_SCHEMES.map((s) => `${s}://`).join(', ')})`);
    }
    const rawPlatforms = entry.platforms;
    const platformItems = Array.isArray(rawPlatforms) ? rawPlatforms.map(String) : typeof rawPlatforms === 'string' ? parseList(rawPlatforms) : [];
    if (platformItems.length === 0) throw new InputError('nodes', `${where} has no "platforms" (expected the platforms the node runs natively, e.g. linux/arm64)`);
    const platforms: string[] = [];
    for (const p of platformItems) {
      try {
        const n = normalizePlatform(p);
        if (!platforms.includes(n)) platforms.push(n);
      } catch (err) {
        throw new InputError('nodes', `${where}: ${(err as Error).message}`);
      }
    }
    out.push({ name: name.toLowerCase(), ...(endpoint ? { endpoint } : {}), platforms, driver, driverOpts: resolveDriverOpts(entry['driver-opts'], where) });
  }
  for (const [i, node] of out.entries()) {
    const where = `entry ${i + 1} ("${node.name}")`;
    const first = out[0]!;
    if (node.driver !== first.driver) throw new InputError('nodes', `${where} uses driver ${node.driver} but entry 1 uses ${first.driver} (expected one driver for every node: buildx gives a builder one driver)`);
    const before = out.slice(0, i);
    if (before.some((n) => n.name === node.name)) throw new InputError('nodes', `${where}: the name is used twice (expected a unique name per node)`);
    if (node.driver !== 'kubernetes' && before.some((n) => n.endpoint === node.endpoint)) {
      throw new InputError('nodes', `${where}: endpoint ${node.endpoint ?? '(this Docker engine)'} is used twice (expected one node per endpoint)`);
    }
    for (const p of node.platforms) {
      const other = before.find((n) => n.platforms.includes(p));
      // buildx keeps a platform on the node appended last; the plan would disagree.
      if (other) throw new InputError('nodes', `${where}: ${p} is also on node "${other.name}" (expected each platform on one node)`);
    }
  }
  return out;
}

/** `driver-opts` as a list (each item one `--driver-opt`, verbatim, as buildx reads it) or a mapping. */
function resolveDriverOpts(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return parseList(value, { keepCommas: true });
  if (Array.isArray(value)) {
    return value.map((o) => {
      if (typeof o !== 'string' && typeof o !== 'number' && typeof o !== 'boolean') throw new InputError('nodes', `${where}: a driver-opts item is not a string (expected key=value, e.g. nodeselector=kubernetes.io/arch=arm64)`);
      const s = String(o).trim();
      if (!/^[^=\s]+=/.test(s)) throw new InputError('nodes', `${where}: driver-opts item "${s}" is malformed (expected key=value, e.g. namespace=buildkit)`);
      return s;
    });
  }
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).map(([k, v]) => {
      if (v !== null && typeof v === 'object') throw new InputError('nodes', `${where}: driver-opts "${k}" is not a single value (expected key: value)`);
      const opt = `${k}=${v ?? ''}`;
      // buildx reads each --driver-opt as a CSV record: a value holding a comma (two node
      // selectors) or a quote must be quoted to stay one option.
      return /[",]/.test(opt) ? `"${opt.replace(/"/g, '""')}"` : opt;
    });
  }
  throw new InputError('nodes', `${where}: driver-opts is not a list or a mapping (expected e.g. [namespace=buildkit, replicas=2])`);
}
