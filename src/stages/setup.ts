/** Set up: QEMU handlers for the emulated legs, and a builder that can build every platform. */
import { isNativeOn } from '../plan/native.js';
import { hostPlatform } from '../platform.js';
import type { Io } from '../pipeline.js';
import { resolveCacheSecrets } from '../cache/scope.js';
import { resolveCacheWarnings } from '../cache/warnings.js';
import { probeCacheFacts, resolveBuilder, type ResolvedBuilder } from '../setup/builder.js';
import { buildxVersion } from '../setup/buildx.js';
import { decideQemu, installQemu, readBinfmt } from '../setup/qemu.js';
import type { Config } from '../types/config.js';
import type { Plan } from '../types/plan.js';

export async function setUpQemu(config: Config, io: Io, plan: Plan): Promise<void> {
  const nonNative = plan.platforms.filter((p) => p.strategy !== 'native').map((p) => p.platform);
  await installHandlers(config, io, plan.qemu, nonNative);
}

/** QEMU to run (not build) each platform's image here: the merge job's smoke test. */
export async function setUpQemuToRun(config: Config, io: Io, platforms: string[]): Promise<void> {
  const foreign = platforms.filter((p) => !isNativeOn([hostPlatform()], p));
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

export async function setUpBuilder(config: Config, io: Io, plan: Plan, runId: string): Promise<ResolvedBuilder> {
  return io.group('Builder', async () => {
    const b = await resolveBuilder({
      driver: config.driver,
      builder: config.builder,
      platforms: plan.qemu,
      runId,
      onCreated: (name) => io.createdBuilder(name),
      nodes: config.nodes,
      targetPlatforms: config.platforms,
      hostPlatforms: [hostPlatform()]
    });
    io.info(`${b.created ? 'created' : 'using'} builder ${b.name} (${b.driver}): ${b.platforms.join(', ')}`);
    await warnAboutCaches(config, io, plan, b);
    return b;
  });
}

/** Say so whenever buildx would silently drop a cache; mask cache tokens given in specs. */
async function warnAboutCaches(config: Config, io: Io, plan: Plan, builder: ResolvedBuilder): Promise<void> {
  const specs = [...config.cacheFrom, ...config.cacheTo];
  if (specs.length === 0) return;
  for (const s of resolveCacheSecrets(specs, process.env)) io.secret(s);
  const facts = await probeCacheFacts(builder.name, builder.driver);
  const warnings = resolveCacheWarnings({
    cacheFrom: config.cacheFrom,
    cacheTo: config.cacheTo,
    env: process.env,
    buildxVersion: await buildxVersion(),
    driver: builder.driver,
    platforms: plan.platforms.map((p) => p.platform),
    ...facts
  });
  for (const w of warnings) io.warning(w);
}
