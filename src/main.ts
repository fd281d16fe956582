/** The action's entry: main, or post when main saved state. Orchestration only. */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@actions/core';
import * as github from '@actions/github';
import { resolveBuildEnvSwitches } from './bpa-env.js';
import { InputError, resolveConfig } from './config.js';
import { resolveRunCommit } from './context-input.js';
import type { RunFacts } from './provenance.js';
import { ArtifactHandoff } from './modes/artifact-handoff.js';
import { publishBuildRecords } from './modes/build-records.js';
import { runPipeline, type Io } from './pipeline.js';
import { removeBuilder } from './setup/buildx-cleanup.js';
import { renderMarkdown } from './report/render.js';
import { resolveOutputs } from './report/outputs.js';
import { publishPrCheck } from './report/pr.js';
import { Redactor } from './report/redact.js';
import { resolveSecretValues } from './report/secret-values.js';
import { idTokenRequestFrom } from './sign/oidc.js';
import type { RunReport } from './types/plan.js';

const STATE_POST = 'isPost';
const STATE_BUILDERS = 'builders';
const STATE_RUN_DIR = 'runDir';

async function main(): Promise<void> {
  core.saveState(STATE_POST, 'true');
  const runId = `${process.env.GITHUB_RUN_ID ?? 'local'}-${randomBytes(3).toString('hex')}`;
  const tempDir = process.env.RUNNER_TEMP || os.tmpdir();
  core.saveState(STATE_RUN_DIR, path.join(tempDir, `multiarch-${runId}`));
  // Every secret goes to the runner's masker (its log) and to the redactor (everything else we write).
  const redactor = new Redactor();
  const onSecret = (v: string): void => {
    core.setSecret(v);
    redactor.add(v);
  };
  let config;
  try {
    config = resolveConfig((name) => core.getInput(name), {
      workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
      tempDir,
      onSecret,
      onWarning: (m) => core.warning(m),
      givenInputs: Object.keys(process.env)
        .filter((k) => k.startsWith('INPUT_'))
        .map((k) => k.slice(6).toLowerCase()),
      run: runFacts(),
      buildEnv: process.env,
      commit: resolveRunCommit(process.env, github.context.payload),
      idToken: idTokenRequestFrom(process.env)
    });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    // Nothing has started; the summary still says why, so the failure is visible where people look.
    if (resolveBuildEnvSwitches(process.env, () => undefined).summary) await writeSummary(redactor.redactDeep({ image: core.getInput('tags').split(/[,\n]/)[0]?.trim() || '(not built)', tags: [], pushed: false, legs: [], logs: {}, durationMs: 0, error: err.message }), redactor);
    return core.setFailed(err.message);
  }
  // Config keeps only the names of secret-envs and the paths of secret-files (buildx reads them);
  // their values are read here, before any build could print them.
  const secretValues = resolveSecretValues(config.secrets, process.env);
  secretValues.values.forEach(onSecret);
  for (const m of secretValues.skipped) core.info(m);
  const created: string[] = [];
  const io: Io = {
    info: (m) => core.info(m),
    warning: (m, where) => core.warning(m, where ? { file: where.file, startLine: where.line } : undefined),
    group: (name, fn) => core.group(name, fn),
    secret: onSecret,
    createdBuilder: (name) => {
      created.push(name);
      core.saveState(STATE_BUILDERS, JSON.stringify(created));
    }
  };
  // Leg and merge jobs hand leg records over as artifacts of the workflow run.
  const runDir = path.join(tempDir, `multiarch-${runId}`);
  const handoff = config.mode === 'leg' || config.mode === 'merge' ? new ArtifactHandoff({ image: config.tags[0]!, dir: path.join(runDir, 'handoff'), redact: (t) => redactor.redact(t) }) : undefined;
  // Redacted before rendering: rendering escapes text, and an escaped secret no longer matches.
  const report = redactor.redactDeep(await runPipeline(config, io, { runId, handoff, attempt: Number(process.env.GITHUB_RUN_ATTEMPT) || 1 }));
  // As build-push-action: the builds' records as a workflow-run artifact (never fails the step).
  const buildRecord = await publishBuildRecords(report, { env: process.env, dir: path.join(runDir, 'records'), io, holdsSecret: (data) => redactor.isFoundIn(data) });
  if (buildRecord) report.buildRecord = redactor.redactDeep(buildRecord);
  for (const [k, v] of Object.entries(resolveOutputs(report))) core.setOutput(k, redactor.redact(v));
  if (config.summary) await writeSummary(report, redactor);
  // Never throws: at worst a warning, or a notice on a fork's read-only token. Plan and leg jobs
  // are parts of one build: only the step that tags (all, merge) reports it on the PR.
  if (config.mode === 'all' || config.mode === 'merge') {
    await publishPrCheck(report, {
      token: config.githubToken,
      context: github.context,
      markdown: renderMarkdown(report),
      redact: (t) => redactor.redact(t),
      log: { info: (m) => core.info(m), warning: (m) => core.warning(m), notice: (m) => core.notice(m) }
    });
  }
  if (report.error) core.setFailed(report.error);
}

/** The run as the runner describes it, for provenance's default and builder id. */
function runFacts(): RunFacts {
  const repo = github.context.payload.repository as { private?: unknown } | undefined;
  return {
    serverUrl: process.env.GITHUB_SERVER_URL || 'https://github.com',
    apiUrl: process.env.GITHUB_API_URL || 'https://api.github.com',
    repository: process.env.GITHUB_REPOSITORY,
    runId: process.env.GITHUB_RUN_ID,
    runAttempt: process.env.GITHUB_RUN_ATTEMPT,
    ...(typeof repo?.private === 'boolean' ? { isPrivate: repo.private } : {}),
    noDefaultAttestations: !!process.env.BUILDX_NO_DEFAULT_ATTESTATIONS
  };
}

async function writeSummary(report: RunReport, redactor: Redactor): Promise<void> {
  try {
    await core.summary.addRaw(redactor.redact(renderMarkdown(report))).write();
  } catch (err) {
    core.warning(`could not write the job summary: ${(err as Error).message}`);
  }
}

/** Post never fails the job: each cleanup is a warning at worst, and removes only what main created. */
async function post(): Promise<void> {
  const builders = JSON.parse(core.getState(STATE_BUILDERS) || '[]') as string[];
  for (const name of builders) {
    try {
      core.info((await removeBuilder(name)) ? `removed builder ${name}` : `builder ${name} was gone already`);
    } catch (err) {
      core.warning(`could not remove builder ${name}: ${(err as Error).message}`);
    }
  }
  const runDir = core.getState(STATE_RUN_DIR);
  if (runDir && path.basename(runDir).startsWith('multiarch-')) {
    try {
      fs.rmSync(runDir, { recursive: true, force: true });
    } catch (err) {
      core.warning(`could not remove ${runDir}: ${(err as Error).message}`);
    }
  }
}

const run = core.getState(STATE_POST) ? post : main;
run().catch((err: unknown) => {
  if (core.getState(STATE_POST)) core.warning(`post: ${(err as Error).message}`);
  else core.setFailed((err as Error).message);
});
