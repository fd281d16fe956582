/**
 * What the Docker engine is: its version and image store, read once from `docker info`. The
 * store decides whether the docker driver can export an OCI layout (containerd store) or must
 * load each leg into the engine and read it back (classic store).
 */
import { exec } from '../exec.js';
import type { EngineFacts, ImageStore } from '../types/engine.js';
import { readQemuVersion } from './qemu.js';

/** `docker info` and the QEMU handler's version. Never throws: an unreadable fact is left out. */
export async function probeEngine(buildxVersion?: string): Promise<EngineFacts> {
  const info = await exec('docker', ['info', '--format', '{{json .}}']);
  const facts = info.code === 0 ? parseEngineInfo(info.stdout) : {};
  const qemuVersion = await readQemuVersion();
  return { ...facts, ...(buildxVersion ? { buildxVersion } : {}), ...(qemuVersion ? { qemuVersion } : {}) };
}

/** `docker info --format '{{json .}}'` → version, store and storage driver (Docker 24 to 29 shapes). */
export function parseEngineInfo(json: string): EngineFacts {
  let info: { ServerVersion?: unknown; Driver?: unknown; DriverStatus?: unknown };
  try {
    info = JSON.parse(json.trim()) as typeof info;
  } catch {
    return {};
  }
  if (!info || typeof info !== 'object') return {};
  const out: EngineFacts = {};
  const version = typeof info.ServerVersion === 'string' ? parseEngineVersion(info.ServerVersion) : undefined;
  if (version) out.dockerVersion = version;
  if (typeof info.Driver === 'string' && info.Driver) out.storageDriver = info.Driver;
  const store = resolveStore(info.DriverStatus);
  if (store) out.store = store;
  return out;
}

/**
 * The containerd store reports `["driver-type","io.containerd.snapshotter.v1"]` in DriverStatus;
 * a graph driver reports its own pairs (backing filesystem, d_type). Undefined when neither.
 */
function resolveStore(driverStatus: unknown): ImageStore | undefined {
  if (!Array.isArray(driverStatus)) return undefined;
  const isContainerd = driverStatus.some((p) => Array.isArray(p) && p[0] === 'driver-type' && p[1] === 'io.containerd.snapshotter.v1');
  return isContainerd ? 'containerd' : 'classic';
}

/**
 * `docker info --format '{{json .DriverStatus}}'` → whether the containerd image store is on;
 * undefined when the output is not that JSON.
 */
export function parseContainerdStore(driverStatusJson: string): boolean | undefined {
  try {
    const pairs = JSON.parse(driverStatusJson.trim()) as unknown;
    if (!Array.isArray(pairs)) return undefined;
    return resolveStore(pairs) === 'containerd';
  } catch {
    return undefined;
  }
}

/** "26.1.5+dfsg1" → "26.1.5"; undefined when there is no version. */
export function parseEngineVersion(text: string): string | undefined {
  return /(\d+\.\d+\.\d+)/.exec(text)?.[1];
}
