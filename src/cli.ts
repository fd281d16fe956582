/**
 * `multiarch plan | build | verify`: the same pipeline as the action, with a terminal reporter.
 * With no --push, build writes an OCI layout (./multiarch-out) and checks it there.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError, resolveConfig } from './config.js';
import { inputLookup, parseArgv, UsageError, type FlagSpec } from './cli/argv.js';
import { makePlan, runPipeline, type Io } from './pipeline.js';
import { normalizePlatform, hostPlatform } from './platform.js';
import { toPlanJson } from './plan/json.js';
import { renderMarkdown } from './report/render.js';
import { Redactor } from './report/redact.js';
import { resolveSecretValues } from './report/secret-values.js';
import { platformsJson } from './report/outputs.js';
import { renderTerminal } from './report/terminal.js';
import { resolveVerifyTarget } from './cli/verify-target.js';
import { verifySignatures } from './cli/verify-signatures.js';
import { GITHUB_ACTIONS_ISSUER, type IdentityPolicy } from './types/sign.js';
import { checkOutDir } from './build/out-dir.js';
import { verifyImage } from './verify/checks.js';
import { renderFailures, renderTable, renderWarnings } from './report/terminal.js';
import { resolveBinaries } from './config/binaries.js';
import { inputSpec } from './input-spec.js';
import { parseList } from './inputs.js';
import { verifyOptionsFor } from './verify/binaries/options.js';

const COMMON: Record<string, FlagSpec> = {
  context: {},
  file: {},
  platforms: { repeat: true },
  target: {},
  'build-arg': { input: 'build-args', repeat: true },
  'build-context': { input: 'build-contexts', repeat: true },
  'cross-compile': {},
  json: { boolean: true }
};

const BUILD: Record<string, FlagSpec> = {
  ...COMMON,
  tag: { input: 'tags', repeat: true },
  push: { boolean: true },
  load: { boolean: true },
  out: {},
  network: {},
  label: { input: 'labels', repeat: true },
  secret: { input: 'secrets', repeat: true },
  'secret-file': { input: 'secret-files', repeat: true },
  'cache-from': { repeat: true },
  'cache-to': { repeat: true },
  'no-cache': { boolean: true },
  provenance: {},
  sbom: {},
  verify: {},
  'verify-binaries': {},
  'verify-ignore': { repeat: true },
  'verify-signatures': {},
  'verify-signatures-issuer': {},
  'trusted-root': { input: 'sigstore-trusted-root' },
  qemu: {},
  'qemu-image': {},
  driver: {},
  'buildkit-image': {},
  builder: {},
  'summary-file': {}
};

const PLAN: Record<string, FlagSpec> = { ...COMMON, 'builder-platform': { repeat: true } };
const VERIFY: Record<string, FlagSpec> = {
  platforms: { repeat: true },
  'verify-binaries': {},
  'verify-ignore': { repeat: true },
  json: { boolean: true },
  signatures: { boolean: true },
  'certificate-identity': {},
  'certificate-identity-regexp': {},
  'certificate-oidc-issuer': {},
  'trusted-root': {}
};

/**
 * Secrets seen this run (build secrets, registry passwords and tokens), kept out of the summary
 * file: a terminal has no masker, and the file is often uploaded or pasted as it is.
 */
const redactor = new Redactor();

const USAGE = `usage:
  multiarch build [CONTEXT] --platforms linux/amd64,linux/arm64 [--file F] [--tag REF]... [--push]
                  [--build-arg K=V]... [--build-context NAME=SRC]... [--network host] [--out DIR] [--json]
                  [--verify-signatures IDENTITY_RE [--verify-signatures-issuer URL] [--trusted-root FILE]]  (with --push)
  multiarch plan  [CONTEXT] --platforms ... [--file F] [--target T] [--build-arg K=V]...
                  [--builder-platform P] [--cross-compile auto|off] [--json]
  multiarch verify REF --platforms ... [--verify-binaries all|entrypoint|off] [--verify-ignore GLOB]... [--json]
                  (REF: a registry reference or oci-layout://DIR[:tag])
  multiarch verify REF --signatures (--certificate-identity ID | --certificate-identity-regexp RE)
                  [--certificate-oidc-issuer URL] [--trusted-root FILE] [--platforms ...] [--json]`;

export async function cli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'build') return await build(rest);
    if (command === 'plan') return await plan(rest);
    if (command === 'verify') return await verify(rest);
    if (command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    throw new UsageError(command ? `unknown command "${command}"` : 'no command');
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`multiarch: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`multiarch: ${(err as Error).message}\n`);
    return err instanceof InputError ? 2 : 1;
  }
}

function configFrom(command: string, rest: string[], flags: Record<string, FlagSpec>) {
  const parsed = parseArgv(rest, flags);
  if (parsed.positionals.length > 1) throw new UsageError(`${command} takes one CONTEXT, got ${parsed.positionals.join(' ')}`);
  const context = parsed.values.get('context')?.[0] ?? parsed.positionals[0] ?? '.';
  const out = parsed.values.get('out')?.[0];
  // The CLI's layout (--out, or ./multiarch-out) is what it delivers: failed checks always fail it.
  const extra: Record<string, string> = { context, summary: 'false', verify: parsed.values.get('verify')?.[0] ?? 'strict' };
  if (out) {
    // Checked here too, so the error names the flag that was typed rather than `outputs`.
    checkOutDir('--out', out, path.resolve(out), { workspace: process.cwd(), context: path.resolve(context) }, '--out DIR');
    extra.outputs = `type=oci,dest=${out}`;
  }
  const config = resolveConfig(inputLookup(parsed, flags, extra), {
    workspace: process.cwd(),
    tempDir: os.tmpdir(),
    onSecret: (v) => redactor.add(v),
    onWarning: (m) => process.stderr.write(`warning: ${m}\n`)
  });
  // Config keeps secret-envs' names and secret-files' paths; their values are read here.
  for (const v of resolveSecretValues(config.secrets, process.env).values) redactor.add(v);
  return { parsed, config };
}

async function plan(rest: string[]): Promise<number> {
  const { parsed, config } = configFrom('plan', rest, PLAN);
  const native = (parsed.values.get('builder-platform') ?? [hostPlatform()]).flatMap((v) => v.split(',')).map(normalizePlatform);
  // The rewritten Dockerfile only matters to a build; `plan` shows the diff and cleans up.
  const scratch = path.join(os.tmpdir(), `multiarch-plan-${randomBytes(3).toString('hex')}`);
  const p = await makePlan(config, native, scratch).finally(() => fs.rmSync(scratch, { recursive: true, force: true }));
  if (parsed.values.has('json')) {
    process.stdout.write(JSON.stringify(toPlanJson(p), null, 2) + '\n');
    return 0;
  }
  const rows = [['PLATFORM', 'STRATEGY', 'LANGUAGE', 'WHY']];
  for (const pp of p.platforms) rows.push([pp.platform, pp.strategy, pp.language, pp.reasons.join('; ')]);
  process.stdout.write(renderTable(rows) + '\n');
  for (const w of p.warnings) process.stdout.write(`\n${path.relative(process.cwd(), w.file) || w.file}:${w.line}: ${w.message}${w.hint ? `\n  hint: ${w.hint}` : ''}\n`);
  return 0;
}

function terminalIo(json: boolean): Io {
  const err = (s: string) => process.stderr.write(s + '\n');
  return {
    info: (m) => (json ? undefined : err(m)),
    warning: (m, where) => err(`warning: ${where ? `${where.file}:${where.line}: ` : ''}${m}`),
    group: async (name, fn) => {
      if (!json) err(`== ${name}`);
      return fn();
    },
    secret: (v) => redactor.add(v),
    createdBuilder: () => undefined
  };
}

async function build(rest: string[]): Promise<number> {
  const { parsed, config } = configFrom('build', rest, BUILD);
  const json = parsed.values.has('json');
  const report = await runPipeline(config, terminalIo(json), { runId: `cli-${randomBytes(3).toString('hex')}` });
  const summaryFile = parsed.values.get('summary-file')?.[0] ?? `${config.outDir}.summary.md`;
  // Redacted before rendering too: rendering escapes text, and an escaped secret no longer matches.
  fs.writeFileSync(summaryFile, redactor.redact(renderMarkdown(redactor.redactDeep(report))));
  if (json) process.stdout.write(JSON.stringify({ index: report.index?.digest ?? null, layout: report.layout ?? null, tags: report.tags, platforms: platformsJson(report), error: report.error ?? null }, null, 2) + '\n');
  else process.stdout.write(renderTerminal(report) + `summary: ${summaryFile}\n`);
  return report.error || (report.verification && !report.verification.ok) ? 1 : 0;
}

async function verify(rest: string[]): Promise<number> {
  const parsed = parseArgv(rest, VERIFY);
  if (parsed.positionals.length !== 1) throw new UsageError('verify takes one REF');
  const ref = parsed.positionals[0]!;
  const json = parsed.values.has('json');
  const platforms = (parsed.values.get('platforms') ?? []).flatMap((v) => v.split(',')).map((p) => p.trim()).filter(Boolean);
  const signatures = parsed.values.has('signatures') ? signaturePolicy(parsed.values) : undefined;
  if (!platforms.length && !signatures) throw new UsageError('verify needs --platforms (or --signatures)');
  const results: Record<string, unknown> = {};
  let ok = true;
  if (platforms.length) {
    const normalized = platforms.map((p) => {
      try {
        return normalizePlatform(p);
      } catch (err) {
        throw new InputError('platforms', (err as Error).message);
      }
    });
    // The same validation, defaults and messages as the action's inputs.
    const lookup = inputLookup(parsed, VERIFY);
    const binaries = resolveBinaries(lookup('verify-binaries') || inputSpec('verify-binaries').default!, parseList(lookup('verify-ignore')));
    const { source, reference } = await resolveVerifyTarget(ref);
    const v = await verifyImage(source, reference, normalized, verifyOptionsFor(binaries));
    results.verification = v;
    ok = v.ok;
    if (!json) {
      const rows = [['PLATFORM', 'CHECK', 'OK', 'EXPECTED', 'ACTUAL']];
      for (const p of v.platforms) for (const c of p.checks) rows.push([p.platform, c.name, c.skipped ? 'skip' : c.ok ? (c.warnings?.length ? 'warn' : 'ok') : 'FAIL', c.expected ?? '', c.actual ?? '']);
      process.stdout.write(renderTable(rows) + '\n');
      const failures = renderFailures(v);
      if (failures) process.stdout.write('\n' + failures + '\n');
      const warnings = renderWarnings(v);
      if (warnings) process.stdout.write('\n' + warnings + '\n');
    }
  }
  if (signatures) {
    const checks = await verifySignatures(ref, signatures.policy, signatures.trustedRoot, (v) => redactor.add(v));
    results.signatures = checks;
    ok = ok && checks.every((c) => c.ok);
    if (!json) {
      const rows = [['SIGNED', 'DIGEST', 'OK', 'FOUND IN', 'DETAIL']];
      for (const c of checks) rows.push([c.platform ?? 'index', c.digest, c.ok ? 'ok' : 'FAIL', c.via === 'referrers-api' ? 'referrers API' : 'referrers tag index', c.ok ? `${c.verified.length} valid bundle(s)` : c.problems.join('; ')]);
      process.stdout.write((platforms.length ? '\n' : '') + redactor.redact(renderTable(rows)) + '\n');
    }
  }
  if (json) process.stdout.write(redactor.redact(JSON.stringify(platforms.length && !signatures ? results.verification : results, null, 2)) + '\n');
  return ok ? 0 : 1;
}

/** --certificate-identity(-regexp), --certificate-oidc-issuer (GitHub Actions' by default), --trusted-root. */
function signaturePolicy(values: Map<string, string[]>): { policy: IdentityPolicy; trustedRoot?: string } {
  const identity = values.get('certificate-identity')?.[0];
  const identityRegexp = values.get('certificate-identity-regexp')?.[0];
  if (!identity && !identityRegexp) throw new UsageError('--signatures needs --certificate-identity or --certificate-identity-regexp (whose signatures count)');
  if (identityRegexp !== undefined) {
    try {
      new RegExp(identityRegexp);
    } catch (err) {
      throw new UsageError(`--certificate-identity-regexp ${JSON.stringify(identityRegexp)} is not a regular expression (${(err as Error).message})`);
    }
  }
  const trustedRoot = values.get('trusted-root')?.[0];
  return {
    policy: { ...(identity ? { identity } : {}), ...(identityRegexp ? { identityRegexp } : {}), issuer: values.get('certificate-oidc-issuer')?.[0] ?? GITHUB_ACTIONS_ISSUER },
    ...(trustedRoot ? { trustedRoot: path.resolve(trustedRoot) } : {})
  };
}

cli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
