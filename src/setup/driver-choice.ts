/**
 * Which builder the legs run on, decided from facts alone (the `driver` input, the current
 * builder, the engine's image store), so a table of `docker info`/`buildx inspect` shapes can
 * test it. The I/O that follows the decision is in builder.ts.
 *
 * The docker driver exports OCI layouts only with the containerd image store. On the classic
 * store (GitHub-hosted runners) it says "OCI exporter is not supported for the docker driver",
 * so `auto` creates a docker-container builder there, as setup-buildx-action does, and only
 * when that cannot start falls back to the docker driver, loading each leg into the engine.
 */
import type { DriverMode } from '../types/config.js';
import type { ImageStore, LegExport } from '../types/engine.js';
import type { BuilderInfo } from './buildx.js';
import { canBuildAll } from './platforms.js';

export type BuilderChoice =
  /** Use an existing builder: `name` undefined is the current one. */
  | { kind: 'use'; name?: string; legExport: LegExport; reason: string }
  /** Create a docker-container builder; `fallback` says what to do when it cannot start. */
  | { kind: 'create'; fallback?: { legExport: LegExport }; reason: string };

export interface ChoiceFacts {
  driver: DriverMode;
  /** The `builder` input. */
  builder?: string;
  /** The builder `builder` names, or the current one. Undefined when buildx found none. */
  current?: BuilderInfo;
  /** The engine's image store; undefined when `docker info` could not say. */
  store?: ImageStore;
  /** Platforms the builder must build (QEMU or natively). */
  platforms: string[];
}

/** How a docker-driver builder on this store hands legs back. */
export function legExportFor(driver: string, store: ImageStore | undefined): LegExport {
  return driver === 'docker' && store === 'classic' ? 'docker-load' : 'oci';
}

export function chooseBuilder(f: ChoiceFacts): BuilderChoice {
  if (f.builder) {
    const driver = f.current?.driver ?? '';
    return { kind: 'use', name: f.builder, legExport: legExportFor(driver, f.store), reason: `the builder input names ${f.builder}` };
  }
  if (f.driver === 'docker-container') return { kind: 'create', reason: 'driver is docker-container' };
  if (f.driver === 'docker') {
    const legExport = legExportFor('docker', f.store);
    return { kind: 'use', name: 'default', legExport, reason: `driver is docker${legExport === 'docker-load' ? ' (classic image store: legs are loaded into the engine and read back)' : ''}` };
  }
  const cur = f.current;
  const fallback = { legExport: legExportFor('docker', f.store) };
  if (!cur) return { kind: 'create', fallback, reason: 'no current builder' };
  if (!canBuildAll(cur, f.platforms)) {
    return { kind: 'create', fallback, reason: `the current builder ${cur.name} cannot build ${f.platforms.filter((p) => !canBuildAll(cur, [p])).join(', ')}` };
  }
  if (cur.driver === 'docker' && f.store !== 'containerd') {
    // An unknown store is treated as classic: trying the container first costs little, and a
    // wrong guess the other way fails every leg.
    return { kind: 'create', fallback, reason: `the current builder ${cur.name} uses the docker driver on the ${f.store ?? 'unknown'} image store, which cannot export OCI layouts or caches` };
  }
  return { kind: 'use', legExport: 'oci', reason: `the current builder ${cur.name} (${cur.driver}) can build every platform` };
}
