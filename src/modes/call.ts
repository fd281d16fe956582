/**
 * BPA's `call` input: `docker buildx build --call check|outline|targets` evaluates the build
 * without building it. check runs once per platform: its results can differ by platform (a base
 * image without that platform, ARGs such as TARGETARCH in FROM), and it only resolves base image
 * metadata, so it is cheap. outline and targets describe the Dockerfile's stages, args and
 * secrets, which no platform changes: they run once, for the first platform.
 *
 * The step fails exactly when build-push-action's would: when buildx exits non-zero, which for
 * check is any warning (buildx ≥ 0.15 exits 1 on warnings; try `docker buildx build --check .`),
 * and `# check=error=true` or an error-level rule. Its message is BPA's: buildx's first line.
 */
import * as path from 'node:path';
import { buildLegArgs } from '../build/args.js';
import { writeSecretFiles } from '../build/secret-files.js';
import { exec, type ExecResult } from '../exec.js';
import { InputError } from '../input-error.js';
import { resolveCacheScope } from '../plan/cache-scope.js';
import { buildxVersion, isVersionAtLeast } from '../setup/buildx.js';
import type { CheckWarning } from '../types/call.js';
import { annotationFile, checkAnnotation, mergeCheckResults, onlyOn, type CheckResult } from '../build/check-warnings.js';

export { mergeCheckResults, type CheckResult };
import type { CallMethod, Config } from '../types/config.js';
import type { Io } from '../types/io.js';
import type { PlatformPlan, RunReport } from '../types/plan.js';

type Subrequest = Exclude<CallMethod, 'build'>;

/** buildx 0.15.0 brought --call (replacing the experimental --print of 0.14). */
export const CALL_MIN_BUILDX = '0.15.0';

/** Flags of a leg that make or describe an output; a subrequest has none. */
const OUTPUT_FLAGS = new Set(['--output', '--metadata-file', '--cache-to', '--provenance', '--sbom', '--attest', '--builder']);

/** Pure: a leg's argv for the user's Dockerfile as written, without outputs, plus `--call`. */
export function buildCallArgs(config: Config, method: Subrequest, platform: string, secretFiles: Record<string, string>, format: 'json' | 'text' = 'json'): string[] {
  const plan: PlatformPlan = { platform, strategy: 'native', language: 'unknown', emulatedSteps: [], rewrite: null, reasons: [], cacheScope: resolveCacheScope(config.imageName, platform, config.cacheScopePrefix) };
  const leg = buildLegArgs({ config: { ...config, provenance: undefined, sbom: undefined, attests: [] }, platform: plan, builder: '', dockerfile: config.file, outDir: '', metadataFile: '', secretFiles });
  const rest: string[] = [];
  for (let i = 2; i < leg.length; i++) {
    const arg = leg[i]!;
    if (OUTPUT_FLAGS.has(arg)) i++;
    else if (!arg.startsWith('--provenance=')) rest.push(arg);
  }
  return ['buildx', 'build', ...(config.builder ? ['--builder', config.builder] : []), '--call', format === 'json' ? `${method},format=json` : method, ...rest];
}

/** Pure: `--call check,format=json` stdout → result; undefined when buildx printed no JSON (it failed first). */
export function parseCheckResult(stdout: string): CheckResult | undefined {
  let doc: { warnings?: unknown; buildError?: { message?: unknown } };
  try {
    doc = JSON.parse(stdout) as typeof doc;
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const warnings = (Array.isArray(doc.warnings) ? doc.warnings : []).map((w: Record<string, any>) => {
    const line = w.location?.ranges?.[0]?.start?.line;
    return { rule: String(w.ruleName ?? 'check'), ...(w.url ? { url: String(w.url) } : {}), detail: String(w.detail ?? w.description ?? ''), ...(typeof line === 'number' && line > 0 ? { line } : {}) };
  });
  const message = doc.buildError?.message;
  return { warnings, ...(typeof message === 'string' && message ? { buildError: message } : {}) };
}

/** Pure: buildx's own summary line and warnings; a warning some platforms lack says which have it. */
export function formatCheckText(warnings: CheckWarning[], buildError: string | undefined, platforms: string[]): string {
  if (warnings.length === 0 && !buildError) return 'Check complete, no warnings found.';
  const lines = [countLine(warnings.length), ''];
  for (const w of warnings) {
    lines.push(`WARNING: ${w.rule}${w.url ? ` - ${w.url}` : ''}`, w.detail, `${w.file}${w.line ? `:${w.line}` : ''}${onlyOn(w, platforms)}`, '');
  }
  if (buildError) lines.push(`ERROR: ${buildError}`);
  return lines.join('\n').trimEnd();
}

/** Pure: the step's error, as BPA words it (buildx's first stdout line); undefined when buildx would exit 0. */
export function callError(method: Subrequest, warnings: CheckWarning[], buildError: string | undefined): string | undefined {
  if (method !== 'check' || (warnings.length === 0 && !buildError)) return undefined;
  return buildError ? `${countLine(warnings.length)} ${buildError}` : countLine(warnings.length);
}

/** Pure: outline/targets JSON without its base64 `sources`, which only repeat the Dockerfile. */
export function stripSources(stdout: string): unknown {
  try {
    const doc = JSON.parse(stdout) as Record<string, unknown>;
    delete doc.sources;
    return doc;
  } catch {
    return stdout.trim();
  }
}

function countLine(n: number): string {
  return n === 1 ? 'Check complete, 1 warning has been found!' : `Check complete, ${n} warnings have been found!`;
}


/** "buildx failed with: <its ERROR line>", as BPA reports a failed buildx. */
function buildxFailure(res: ExecResult): string {
  const lines = res.stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const error = [...lines].reverse().find((l) => l.startsWith('ERROR:')) ?? lines[lines.length - 1] ?? `exit code ${res.code}`;
  return `buildx failed with: ${error}`;
}


/** Runs the subrequest; report.call is filled before any failure is thrown. */
export async function runCallMode(config: Config, io: Io, runDir: string, report: RunReport): Promise<void> {
  const method = config.call as Subrequest;
  const version = await buildxVersion();
  if (!isVersionAtLeast(version, CALL_MIN_BUILDX)) {
    throw new InputError('call', `call ${method} runs docker buildx build --call, which needs buildx ${CALL_MIN_BUILDX} or newer; this runner has buildx ${version} (expected a newer buildx, e.g. from docker/setup-buildx-action, or call build)`);
  }
  io.info(`call ${method}: buildx evaluates the build of ${annotationFile(config.file)} without running it; no image is built, pushed or verified`);
  const secretFiles = writeSecretFiles(config.secrets, path.join(runDir, 'secrets'));
  if (method === 'check') return runCheck(config, io, secretFiles, report);

  const platform = config.platforms[0]!;
  const [text, json] = await Promise.all([exec('docker', buildCallArgs(config, method, platform, secretFiles, 'text')), exec('docker', buildCallArgs(config, method, platform, secretFiles, 'json'))]);
  if (text.code !== 0 || json.code !== 0) throw new Error(buildxFailure(text.code !== 0 ? text : json));
  report.call = { method, platforms: [platform], text: text.stdout.trimEnd(), json: stripSources(json.stdout) };
  await io.group(`call ${method}`, async () => io.info(report.call!.text || '(nothing to show)'));
}

async function runCheck(config: Config, io: Io, secretFiles: Record<string, string>, report: RunReport): Promise<void> {
  const file = annotationFile(config.file);
  const runs = await Promise.all(config.platforms.map(async (platform) => ({ platform, res: await exec('docker', buildCallArgs(config, 'check', platform, secretFiles)) })));
  const parsed: Array<{ platform: string; result: CheckResult }> = [];
  let failure: string | undefined;
  for (const { platform, res } of runs) {
    const result = parseCheckResult(res.stdout);
    if (result) parsed.push({ platform, result });
    else if (res.code !== 0) failure ??= `${platform}: ${buildxFailure(res)}`;
  }
  const { warnings, buildError } = mergeCheckResults(file, parsed);
  const text = formatCheckText(warnings, buildError, config.platforms);
  report.call = { method: 'check', platforms: config.platforms, warnings, ...(buildError ? { buildError } : {}), text, json: { warnings, ...(buildError ? { buildError } : {}) } };
  await io.group(`call check (${config.platforms.join(', ')})`, async () => io.info(text));
  // As BPA with DOCKER_BUILD_CHECKS_ANNOTATIONS: each warning on its Dockerfile line.
  if (config.checkAnnotations !== false) {
    for (const w of warnings) io.warning(...checkAnnotation(w, config.platforms));
  }
  const error = failure ?? callError('check', warnings, buildError);
  if (error) throw new Error(error);
  // buildx said no, but neither a warning nor an error says why: keep its words.
  const refused = runs.find((r) => r.res.code !== 0);
  if (refused) throw new Error(`${refused.platform}: ${buildxFailure(refused.res)}`);
}
