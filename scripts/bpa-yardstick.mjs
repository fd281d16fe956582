#!/usr/bin/env node
// build-push-action's own CI as the yardstick (issue 12): every `uses: ./` step of BPA's
// .github/workflows/ci.yml run through BPA's committed bundle (dist/index.cjs) and through ours
// (dist/index.js, `node scripts/build.mjs` first), one after the other, on the same stack with
// the same inputs, each as a runner runs a step (main, then post). Loopback only: the stack's
// registry, a stand-in of GitHub's results service (artifacts, gha cache), and a loopback git
// server holding BPA's test tree for the jobs that build the default Git context.
//
//   flock /tmp/multiarch-docker.lock node scripts/bpa-yardstick.mjs <bpa-checkout> [--bpa-commit SHA] [--only job,job] [--out PREFIX]
//
// <bpa-checkout> is a checkout of docker/build-push-action (action.yml, dist/index.cjs, test/,
// .github/workflows/ci.yml); --bpa-commit names its commit when it is not a git work tree.
// Writes bench/results/bpa-yardstick.{json,md} (or PREFIX.{json,md}); with --only, the other
// jobs' rows are kept from the last run.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importStackModule, startStandIn } from '../bench/cache/stand-in.mjs';
import { ROOT, readPrevious, resultFiles, writeResults } from '../bench/lib/report.mjs';
import { runAction } from '../bench/lib/runner.mjs';
import { dockerFacts, requireRegistry } from '../bench/lib/stack.mjs';
import { adaptInputs, evaluate, loadJobRuns, metadataOutputs, writeWorkTree } from './bpa-yardstick/cases.mjs';
import { describe, differences, observe, targetsOf } from './bpa-yardstick/observe.mjs';
import { renderReport } from './bpa-yardstick/report.mjs';

/**
 * The two actions, run the same way. Ours gets BuildKit and binfmt images it cannot pull, so that
 * its docker-container attempt (classic store) and QEMU set-up fail on loopback instead of asking
 * Docker Hub; BPA leaves both to setup-buildx-action and setup-qemu-action, which are not run here.
 */
function actions(bpaDir) {
  return [
    { key: 'bpa', name: 'build-push-action', script: path.join(bpaDir, 'dist', 'index.cjs'), actionYml: path.join(bpaDir, 'action.yml'), extra: {} },
    { key: 'ours', name: 'multiarch', script: path.join(ROOT, 'dist', 'index.js'), actionYml: path.join(ROOT, 'action.yml'), extra: { 'buildkit-image': 'localhost:5000/moby/buildkit:v0.31.2', 'qemu-image': 'localhost:5000/tonistiigi/binfmt:qemu-v10.2.3-68' } }
  ];
}

function parseArgs(argv) {
  const opts = { only: undefined, out: undefined, bpaDir: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') opts.only = new Set(argv[++i].split(','));
    else if (argv[i] === '--bpa-commit') opts.bpaCommit = argv[++i];
    else if (argv[i] === '--out') opts.out = argv[++i];
    else opts.bpaDir = path.resolve(argv[i]);
  }
  if (!opts.bpaDir || !fs.existsSync(path.join(opts.bpaDir, 'dist', 'index.cjs'))) {
    throw new Error('usage: node scripts/bpa-yardstick.mjs <build-push-action checkout with dist/index.cjs> [--bpa-commit SHA] [--only job,job] [--out PREFIX]');
  }
  return opts;
}

/** `scripts/stack.sh env ENGINE` as an object. */
function engineEnv(engine) {
  const out = execFileSync('bash', [path.join(ROOT, 'scripts', 'stack.sh'), 'env', engine], { encoding: 'utf8' });
  return Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

function log(message) {
  process.stderr.write(`[yardstick] ${message}\n`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const facts = dockerFacts();
  await requireRegistry();
  if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) throw new Error('dist/index.js is missing: run `node scripts/build.mjs` first');
  const bpaSha = opts.bpaCommit ?? (() => {
    try {
      return execFileSync('git', ['-C', opts.bpaDir, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'unknown (not a git checkout)';
    }
  })();
  const scratchRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'bpa-yardstick-'));
  const token = `ghs_${randomBytes(16).toString('hex')}`;
  const results = await startStandIn();
  const gitServer = await (await importStackModule('git-server')).startGitServer({ token });
  const runTag = `yardstick-${Date.now().toString(36)}`;
  const rows = [];
  // Interrupted (Ctrl-C, kill): the stand-ins and scratch files still go.
  const stop = async () => {
    await gitServer.close().catch(() => undefined);
    await results.stop().catch(() => undefined);
    fs.rmSync(scratchRoot, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const tree = path.join(scratchRoot, 'tree');
    writeWorkTree(opts.bpaDir, tree);
    const { publishRepository } = await importStackModule('git-server');
    const sha = publishRepository(gitServer, 'docker/build-push-action', { '.': tree });
    // The push event a runner hands both actions: the repository is public (provenance mode=max).
    const eventPath = path.join(scratchRoot, 'event.json');
    fs.writeFileSync(eventPath, JSON.stringify({ ref: 'refs/heads/master', after: sha, repository: { full_name: 'docker/build-push-action', name: 'build-push-action', owner: { login: 'docker' }, private: false } }));
    const jobRuns = loadJobRuns(opts.bpaDir).filter((r) => !opts.only || opts.only.has(r.job));
    for (const jobRun of jobRuns) {
      const base = { job: jobRun.job, label: jobRun.label, note: jobRun.stack.note, engine: jobRun.stack.engine ?? 'docker28-containerd' };
      if (jobRun.stack.skip || jobRun.notRun) {
        for (const step of jobRun.steps) rows.push({ ...base, step: step.name, skipped: jobRun.stack.skip ?? jobRun.notRun });
        continue;
      }
      log(`${jobRun.label}: ${jobRun.steps.length} step(s)`);
      const observed = {};
      for (const action of actions(opts.bpaDir)) {
        // Each job and action pushes to repositories of its own: no tag is left over from another run.
        const namespace = `${runTag}/${jobRun.label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${action.key}`;
        observed[action.key] = await runJob(jobRun, action, { tree, sha, token, results, gitServer, eventPath, namespace, scratchRoot });
      }
      jobRun.steps.forEach((step, i) => {
        const bpa = observed.bpa[i];
        const ours = observed.ours[i];
        // The run's token (a stand-in's, but a token) is not kept in the results.
        const inputs = JSON.parse(JSON.stringify(ours.inputs).split(token).join('<github.token>'));
        rows.push({ ...base, step: step.name, inputs, changed: ours.changed, bpa: bpa.obs, ours: ours.obs, differs: differences(bpa.obs, ours.obs) });
        log(`  ${step.name}: BPA ${describe(bpa.obs)} | ours ${describe(ours.obs)}`);
      });
    }
  } finally {
    await gitServer.close();
    await results.stop();
    fs.rmSync(scratchRoot, { recursive: true, force: true });
  }
  const files = resultFiles('bpa-yardstick', opts.out);
  const meta = { date: new Date().toISOString(), bpaSha, docker: facts.docker, buildx: facts.buildx };
  // --only re-runs some jobs: the other rows are kept from the last run, in ci.yml's order.
  const previous = opts.only ? (readPrevious(files).rows ?? []) : [];
  const merged = opts.only ? [...previous.filter((r) => !opts.only.has(r.job)), ...rows] : rows;
  const order = loadJobRuns(opts.bpaDir).map((r) => r.label);
  merged.sort((a, b) => order.indexOf(a.label) - order.indexOf(b.label));
  const written = writeResults(files, { meta, rows: merged }, renderReport(merged, meta));
  log(`wrote ${written.join(', ')}`);
}

/** One job of BPA's CI through one action: its `uses: ./` steps in order, sharing the job's workspace and engine. */
async function runJob(jobRun, action, ctx) {
  const { stack } = jobRun;
  const scratch = fs.mkdtempSync(path.join(ctx.scratchRoot, `${jobRun.job}-${action.key}-`));
  const ws = path.join(scratch, 'ws');
  fs.cpSync(ctx.tree, path.join(ws, jobRun.checkoutPath), { recursive: true });
  const engine = stack.engine ? engineEnv(stack.engine) : {};
  if (stack.dockerHost) engine.DOCKER_HOST = stack.dockerHost;
  if (stack.dockerConfig) {
    const dir = path.join(scratch, 'docker-config');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'config.json'), `${stack.dockerConfig}\n`);
    engine.DOCKER_CONFIG = dir;
  }
  const dockerEnv = { ...process.env, ...engine };
  const jobEnv = Object.fromEntries(Object.entries(jobRun.env).map(([k, v]) => [k, evaluate(v, { matrix: jobRun.matrix, env: {}, token: ctx.token, meta: {} })]));
  const meta = metadataOutputs(jobEnv.DOCKER_IMAGE ?? 'localhost:5000/name/app', ctx.sha, new Date().toISOString());
  const exprCtx = { matrix: jobRun.matrix, env: jobEnv, token: ctx.token, meta };
  const runEnv = {
    ...ctx.results.env,
    GITHUB_REPOSITORY: 'docker/build-push-action',
    GITHUB_REPOSITORY_OWNER: 'docker',
    GITHUB_SHA: ctx.sha,
    GITHUB_REF: 'refs/heads/master',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: ctx.eventPath,
    GITHUB_RUN_ID: String(7_000_000 + Math.floor(Math.random() * 1_000_000)),
    GITHUB_RUN_ATTEMPT: '1',
    ...(stack.git ? { GITHUB_SERVER_URL: ctx.gitServer.url } : {}),
    ...jobEnv,
    ...engine
  };
  const out = [];
  const cleanEngine = (inputs) => {
    for (const name of targetsOf(inputs).engine) {
      try {
        execFileSync('docker', ['image', 'rm', '-f', name], { env: dockerEnv, stdio: 'ignore', timeout: 60_000 });
      } catch {
        /* absent, or no daemon (the `error` job) */
      }
    }
  };
  try {
    const adapted = jobRun.steps.map((step) => {
      const given = Object.fromEntries(Object.entries(step.with).map(([k, v]) => [k, evaluate(v, exprCtx)]));
      return adaptInputs(given, { namespace: ctx.namespace, scratch, pushTo: stack.pushTo });
    });
    adapted.forEach((a) => cleanEngine(a.inputs));
    for (const [i, step] of jobRun.steps.entries()) {
      const { inputs, changed } = adapted[i];
      const stepEnv = Object.fromEntries(Object.entries(step.env).map(([k, v]) => [k, evaluate(v, exprCtx)]));
      const before = new Set(ctx.results.artifacts.map((a) => a.id));
      // The runner fills github-token's default (`${{ github.token }}`) for both actions.
      const run = await runAction({ root: ws, script: action.script, actionYml: action.actionYml, inputs: { 'github-token': ctx.token, ...inputs, ...action.extra }, extraEnv: { ...runEnv, ...stepEnv } });
      // BPA writes its summary in post, ours in main: the file both append to, read before it goes.
      run.main.summary = fs.readFileSync(path.join(run.runnerTemp, 'summary.md'), 'utf8');
      fs.rmSync(run.runnerTemp, { recursive: true, force: true });
      const artifacts = ctx.results.artifacts.filter((a) => !before.has(a.id) && a.name.endsWith('.dockerbuild')).map((a) => a.name);
      out.push({ inputs, changed, obs: await observe(run, inputs, { env: dockerEnv, artifacts }) });
    }
    adapted.forEach((a) => cleanEngine(a.inputs));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return out;
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
