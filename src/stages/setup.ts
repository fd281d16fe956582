/** Set up: QEMU handlers for the emulated legs, and a builder that can build every platform. */
import { isNativeOn } from '../plan/native.js';
import { hostPlatform, parsePlatform } from '../platform.js';
import { compatNativePlatforms, localKernel } from '../setup/compat-probe.js';
import type { Io } from '../types/io.js';
import { resolveCacheSecrets } from '../cache/scope.js';
import { resolveCacheWarnings } from '../cache/warnings.js';
import { probeCacheFacts, resolveBuilder, type ResolvedBuilder } from '../setup/builder.js';
import { buildxVersion } from '../setup/buildx.js';
import { probeEngine } from '../setup/engine.js';
import { decideQemu, installQemu, readBinfmt } from '../setup/qemu.js';
import type { EngineFacts } from '../types/engine.js';
import type { Config } from '../types/config.js';
import type { Plan } from '../types/plan.js';

export async function setUpQemu(config: Config, io: Io, plan: Plan): Promise<void> {
  const nonNative = plan.platforms.filter((p) => p.strategy !== 'native').map((p) => p.platform);
  await installHandlers(config, io, plan.qemu, nonNative);
}

/** QEMU for platforms that now need it after all (a rewritten leg rebuilt as written). */
export async function setUpQemuFor(config: Config, io: Io, platforms: string[]): Promise<void> {
  await installHandlers(config, io, platforms, platforms);
}

/** QEMU to run (not build) each platform's image here: the merge job's smoke test. */
export async function setUpQemuToRun(config: Config, io: Io, platforms: string[]): Promise<void> {
  const host = hostPlatform();
  const kernel = await localKernel(parsePlatform(host).architecture, platforms);
  const foreign = platforms.filter((p) => !isNativeOn([host, ...(kernel ? compatNativePlatforms(kernel) : [])], p));
  await installHandlers(config, io, foreign, foreign);
}

async function installHandlers(config: Config, io: Io, emulated: string[], nonNative: string[]): Promise<void> {
  await io.group('QEMU', async () => {
    const q = decideQemu(config.qemu, emulated, nonNative, readBinfmt());
    if (q.registered.length) io.info(`already registered: ${q.registered.join(', ')}`);
    if (q.missing.length) io.warning(`qemu is "never" but ${q.missing.join(', ')} needs emulation; those legs will likely fail with "exec format error"`);
    if (q.install.length) {
      io.info(`installing handlers for ${q.install.join(', ')} from ${config.qemuImage}`);
      await installQemu(config.qemuImage, q.install);
    }
    if (!emulated.length && config.qemu !== 'always') io.info('no platform needs QEMU');
  });
}

export interface SetUp {
  builder: ResolvedBuilder;
  engine: EngineFacts;
}

export async function setUpBuilder(config: Config, io: Io, plan: Plan, runId: string): Promise<SetUp> {
  return io.group('Builder', async () => {
    const engine = await probeEngine(await buildxVersion());
    io.info(describeEngine(engine));
    const b = await resolveBuilder({
      driver: config.driver,
      builder: config.builder,
      platforms: plan.qemu,
      runId,
      onCreated: (name) => io.createdBuilder(name),
      nodes: config.nodes,
      targetPlatforms: config.platforms,
      hostPlatforms: [hostPlatform()],
      store: engine.store,
      create: { image: config.buildkitImage, network: config.network },
      onWarning: (m) => io.warning(m)
    });
    io.info(`${b.created ? 'created' : 'using'} builder ${b.name} (${b.driver}${b.buildkitVersion ? `, BuildKit ${b.buildkitVersion}` : ''}${b.image ? `, ${b.image}` : ''}): ${b.platforms.join(', ')}`);
    if (b.legExport === 'docker-load') {
      io.info('legs are loaded into the engine under a temporary name and read back with docker image save: the docker driver on the classic image store cannot export OCI');
      const asked = [config.provenance && config.provenance !== 'false' && !config.provenanceIsDefault ? `provenance ${config.provenance}` : '', config.sbom && config.sbom !== 'false' ? `sbom ${config.sbom}` : '', ...config.attests.map((a) => `attests ${a}`)].filter(Boolean);
      if (asked.length) io.warning(`the docker driver on the classic image store makes no attestations: ${asked.join(', ')} not made. Use a docker-container builder (driver: docker-container) or the containerd image store to get them.`);
    }
    await warnAboutCaches(config, io, plan, b, engine);
    return { builder: b, engine };
  });
}

/** "Docker 28.5.2, classic image store (overlay2), buildx 0.29.1, QEMU 7.2.13". */
export function describeEngine(e: EngineFacts): string {
  const parts = [`Docker ${e.dockerVersion ?? 'unknown'}`];
  if (e.store) parts.push(`${e.store} image store${e.storageDriver ? ` (${e.storageDriver})` : ''}`);
  if (e.buildxVersion) parts.push(`buildx ${e.buildxVersion}`);
  if (e.qemuVersion) parts.push(`QEMU ${e.qemuVersion}`);
  return parts.join(', ');
}

/** Say so whenever buildx would silently drop a cache; mask cache tokens given in specs. */
async function warnAboutCaches(config: Config, io: Io, plan: Plan, builder: ResolvedBuilder, engine: EngineFacts): Promise<void> {
  const specs = [...config.cacheFrom, ...config.cacheTo];
  if (specs.length === 0) return;
  for (const s of resolveCacheSecrets(specs, process.env)) io.secret(s);
  const facts = await probeCacheFacts(builder.name, builder.driver, engine);
  const warnings = resolveCacheWarnings({
    cacheFrom: config.cacheFrom,
    cacheTo: config.cacheTo,
    env: process.env,
    buildxVersion: engine.buildxVersion ?? (await buildxVersion()),
    driver: builder.driver,
    platforms: plan.platforms.map((p) => p.platform),
    ...facts
  });
  for (const w of warnings) io.warning(w);
}
