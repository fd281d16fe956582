/** Plan: the Dockerfile and the machines that will build it → Plan, logged with its reasons. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decide } from '../plan/decide.js';
import type { BuilderNode } from '../plan/native.js';
import { hostPlatform, parsePlatform } from '../platform.js';
import { buildxVersion, inspectBuilder } from '../setup/buildx.js';
import { nativePlatformsOf } from '../setup/platforms.js';
import { localKernel } from '../setup/compat-probe.js';
import { resolveNodeWarnings, resolvePlanNodes } from '../setup/nodes.js';
import type { Io } from '../types/io.js';
import type { Config } from '../types/config.js';
import type { Plan } from '../types/plan.js';
import { writeRewrittenDockerfile } from './rewritten-dockerfile.js';

/**
 * Build the plan alone (`multiarch plan`, the `plan` mode, and the first stage of a build).
 * `nodes` are machines that build their platforms natively: builder nodes, or runners.
 */
export async function makePlan(config: Config, nativePlatforms: string[], runDir: string, nodes?: BuilderNode[]): Promise<Plan> {
  const plan = decide({
    dockerfileText: fs.readFileSync(config.file, 'utf8'),
    dockerfilePath: config.file,
    contextDir: config.context,
    platforms: config.platforms,
    target: config.target,
    buildArgs: buildArgRecord(config.buildArgs),
    nativePlatforms,
    ...(nodes ? { nodes } : {}),
    crossCompile: config.crossCompile,
    image: config.imageName,
    cacheScopePrefix: config.cacheScopePrefix || undefined
  });
  // Annotations and the plan JSON name the Dockerfile relative to the workspace (the cwd on a
  // runner), which is what GitHub needs to put a warning on the right line of the right file.
  for (const w of plan.warnings) {
    const rel = path.relative(process.cwd(), w.file);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) w.file = rel;
  }
  if (plan.rewrittenText !== undefined) {
    // The user's Dockerfile is never touched; legs build from a rewritten copy, with its ignore rules.
    plan.dockerfile = writeRewrittenDockerfile(runDir, config.file, plan.rewrittenText);
  }
  return plan;
}

export function buildArgRecord(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const i = a.indexOf('=');
    if (i > 0) out[a.slice(0, i)] = a.slice(i + 1);
    else if (process.env[a] !== undefined) out[a] = process.env[a]!;
  }
  return out;
}

/** The plan for this machine's builder: what it runs natively decides native, cross or emulated. */
export async function planOnBuilder(config: Config, io: Io, runDir: string): Promise<Plan> {
  const version = await buildxVersion();
  io.info(`buildx ${version}`);
  // With native nodes, the run builds on a builder it creates: this engine plus those nodes.
  const current = config.nodes.length ? undefined : await inspectBuilder(config.builder);
  const host = current ? nativePlatformsOf(current, await localKernel(parsePlatform(hostPlatform()).architecture, config.platforms)) : [hostPlatform()];
  const machines = resolvePlanNodes(config.nodes, host);
  for (const w of resolveNodeWarnings(config.nodes, config.platforms)) io.warning(w);
  return io.group('Plan', async () => logPlan(io, await makePlan(config, machines.nativePlatforms, runDir, config.nodes.length ? machines.nodes : undefined)));
}

/** Each platform's strategy and why, and each warning as an annotation on its line. */
export function logPlan(io: Io, plan: Plan): Plan {
  for (const pp of plan.platforms) io.info(`${pp.platform}: ${pp.strategy}${pp.language !== 'unknown' ? ` (${pp.language})` : ''} — ${pp.reasons.join('; ')}`);
  for (const w of plan.warnings) io.warning(w.hint ? `${w.message} ${w.hint}` : w.message, { file: w.file, line: w.line });
  return plan;
}
