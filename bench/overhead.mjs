#!/usr/bin/env node
// `npm run bench` (bench/overhead.mjs): what the action costs on top of BuildKit, measured on the real stack.
//
//  1. overhead  Action overhead for linux/amd64 + linux/arm64 on a warm builder: dist/index.js
//               main wall time minus the legs' build span, for push=true and push=false (OCI
//               layout), with a per-phase breakdown; post timed too.
//  2. cold      Bundle cold start: `node <bundle>` as an empty post step (STATE_isPost=true, no
//               other state), ours vs docker/build-push-action's bundle (BPA_DIST), and sizes.
//  3. cost      OCI layout per leg + our push by digest vs BuildKit pushing directly
//               (`docker buildx build --platform a,b --push`), fresh repository each time.
//
// Writes bench/results/overhead.json, bench/results/overhead.md and the figures section of
// bench/README.md.
// Environment:
//   BENCH_RUNS=10        samples per action measurement (after one warm-up run each)
//   BENCH_COST_RUNS=5    samples per side of the push-cost comparison
//   BENCH_COLD_RUNS=15   samples per bundle for the cold start
//   BENCH_ONLY=overhead,cold,cost   run a subset (bench/results/overhead.json keeps the other sections)
//   BENCH_DIST=dir       bundle to run instead of ./dist (e.g. a fresh `node scripts/build.mjs DIR`)
//   BPA_DIST=dir|file    docker/build-push-action's dist/ (or its dist/index.cjs); row skipped if unset
//   BENCH_LOCK_WAIT=900  seconds to wait for /tmp/multiarch-bench.lock (held while timing)
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { acquireLock, LOCK_FILE } from './lib/lock.mjs';
import { busyShare, cpuTimes, loadavg, machineFacts } from './lib/machine.mjs';
import { readPrevious, resultFiles, ROOT, writeResults } from './lib/report.mjs';
import { runAction, runEmptyPost } from './lib/runner.mjs';
import { dockerFacts, REGISTRY, REGISTRY_URL, requireRegistry, sh } from './lib/stack.mjs';
import { fmtBytes, fmtMs, fmtStat, round, summarize } from './lib/stats.mjs';
import { diskUsage, imageBytes } from './overhead/image.mjs';

const PLATFORMS = 'linux/amd64,linux/arm64';
const CONTEXT = 'examples/go-cross';
const BUILD_CONTEXTS = [
  'golang:1.19=docker-image://localhost:5000/library/golang:1.19',
  'busybox:1.35=docker-image://localhost:5000/library/busybox:1.35'
];
const GOAL_OVERHEAD_MS = 2000;

const int = (v, d) => (v && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : d);
const RUNS = int(process.env.BENCH_RUNS, 10);
const COST_RUNS = int(process.env.BENCH_COST_RUNS, 5);
const COLD_RUNS = int(process.env.BENCH_COLD_RUNS, 15);
const ONLY = new Set((process.env.BENCH_ONLY || 'overhead,cold,cost').split(',').map((s) => s.trim()).filter(Boolean));
const LOCK_WAIT = int(process.env.BENCH_LOCK_WAIT, 900);
const DIST = path.resolve(process.env.BENCH_DIST || path.join(ROOT, 'dist'));
const SOURCE = path.join(DIST, 'index.js');
// The bench runs a private copy of the bundle (see snapshotBundle): others may rebuild dist/
// while it runs, and every figure should come from one bundle.
let SCRIPT = SOURCE;
const STAMP = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-').toLowerCase();

const benchStart = performance.now();
const log = (m) => process.stderr.write(`[bench ${((performance.now() - benchStart) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);

/** `docker …` with timing; resolves with the exit code and the (plain progress) log. */
function timedDocker(args) {
  return new Promise((resolve, reject) => {
    let out = '';
    const t0 = performance.now();
    const child = spawn('docker', args, { cwd: ROOT, env: { ...process.env, BUILDKIT_PROGRESS: 'plain' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, wallMs: performance.now() - t0, log: out }));
  });
}

function tail(text, n = 15) {
  return text.split('\n').filter((l) => l.trim()).slice(-n).join('\n');
}

function failure(main) {
  const errors = main.stdout.split('\n').filter((l) => l.startsWith('::error')).join('\n');
  return `exit ${main.code}\n${errors || tail(main.stdout)}\n${tail(main.stderr)}`;
}

// ---------------------------------------------------------------------------------- preflight

async function preflight() {
  const env = {
    ...machineFacts(),
    nodeExecPath: process.execPath,
    loadavgStart: loadavg(),
    dist: path.relative(ROOT, DIST) || DIST
  };
  if (!process.version.startsWith('v24.')) {
    log(`warning: running on Node ${process.version}; the action runs on node24 (use \`npm run bench\`, which puts node_modules/.bin/node first)`);
  }
  env.bundle = await snapshotBundle();
  if (ONLY.has('overhead') || ONLY.has('cost')) {
    const { docker, buildx, builderDriver } = dockerFacts();
    Object.assign(env, { docker, buildx, builderDriver });
    await requireRegistry();
  }
  return env;
}

/**
 * Copy the bundle's directory to a temp dir once it is complete (present, and unchanged for 3 s)
 * and run that copy. Returns the copy's fingerprint; SCRIPT points into the copy.
 */
async function snapshotBundle() {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const before = fs.existsSync(SOURCE) ? fingerprint(SOURCE) : undefined;
    if (before && Date.now() - Date.parse(before.mtime) > 3000) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bundle-'));
      fs.cpSync(DIST, path.join(dir, 'dist'), { recursive: true });
      const copy = path.join(dir, 'dist', 'index.js');
      const got = fs.existsSync(copy) ? fingerprint(copy) : undefined;
      if (got && got.sha256 === before.sha256 && fs.existsSync(path.join(dir, 'dist', 'package.json'))) {
        SCRIPT = copy;
        snapshotDir = dir;
        return { ...got, mtime: before.mtime };
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
    if (Date.now() > deadline) throw new Error(`no complete bundle at ${SOURCE} (being rebuilt?): run \`npm run build\` first`);
    log(`waiting for ${path.relative(ROOT, SOURCE)} to be complete and settle`);
    await new Promise((r) => setTimeout(r, 3000));
  }
}
let snapshotDir;

/** Which bundle was measured: others may rebuild dist/ while the bench runs. */
function fingerprint(file) {
  const buf = fs.readFileSync(file);
  return { bytes: buf.length, sha256: createHash('sha256').update(buf).digest('hex').slice(0, 16), mtime: fs.statSync(file).mtime.toISOString() };
}

// ------------------------------------------------------------------------ 1. action overhead

function actionInputs(extra) {
  return { context: CONTEXT, platforms: PLATFORMS, network: 'host', 'build-contexts': BUILD_CONTEXTS.join('\n'), ...extra };
}

/**
 * Split one main run into phases that add up to its wall time. Markers, in wall-clock ms:
 * spawn, `Plan` group, first leg start, last leg end, publish (push group or merged layout),
 * `Verify`, `Tag`, exit.
 */
function analyze(main) {
  const platforms = JSON.parse(main.outputs.platforms || '[]');
  const durations = platforms.map((p) => p.durationMs).filter((d) => typeof d === 'number');
  if (durations.length !== platforms.length || !platforms.length) throw new Error('the platforms output has no leg durations');
  const group = (prefix) => main.groups.find((g) => g.name.startsWith(prefix));
  let legsStart;
  let legsEnd;
  let spanSource;
  if (platforms.every((p) => p.startedAt)) {
    const starts = platforms.map((p) => Date.parse(p.startedAt));
    legsStart = Math.min(...starts);
    legsEnd = Math.max(...platforms.map((p, i) => starts[i] + p.durationMs));
    spanSource = 'startedAt + durationMs';
  } else {
    // Older bundles report no startedAt. Legs start together (Promise.all) and their groups are
    // printed right after the last one ends, so the span is the longest leg, ending there.
    legsEnd = group('Leg ')?.start;
    if (legsEnd === undefined) throw new Error('no startedAt in the platforms output and no leg group in the log');
    legsStart = legsEnd - Math.max(...durations);
    spanSource = 'max(durationMs), ended at the first leg group (bundle has no startedAt)';
  }
  const plan = group('Plan');
  const push = group('Push by digest');
  const verify = group('Verify');
  const tagG = group('Tag');
  const mark = (g, fallback) => (g ? g.start : fallback);
  const tVerify = mark(verify, tagG?.start ?? main.exitWall);
  const tPublishStart = push ? push.start : legsEnd;
  const tPublishEnd = push ? push.end ?? tVerify : tVerify;
  const tTagEnd = tagG?.end ?? main.exitWall;
  const phases = {
    bootToPlan: mark(plan, legsStart) - main.t0Wall,
    planToLegs: legsStart - mark(plan, legsStart),
    build: legsEnd - legsStart,
    legsToPublish: tPublishStart - legsEnd,
    publish: tPublishEnd - tPublishStart,
    verify: (tagG?.start ?? tTagEnd) - tPublishEnd,
    tag: tagG ? tTagEnd - tagG.start : 0,
    tail: main.exitWall - tTagEnd
  };
  return {
    wallMs: main.wallMs,
    buildSpanMs: legsEnd - legsStart,
    overheadMs: main.wallMs - (legsEnd - legsStart),
    legsStartWall: legsStart,
    beforeLegsMs: legsStart - main.t0Wall,
    afterLegsMs: main.exitWall - legsEnd,
    legDurationsMs: Object.fromEntries(platforms.map((p) => [p.platform, p.durationMs])),
    strategies: Object.fromEntries(platforms.map((p) => [p.platform, p.strategy])),
    phases,
    spanSource,
    blobs: blobLine(main.stdout)
  };
}

/** Seconds BuildKit reports (`#N DONE 0.3s`, 0.1 s resolution) for the steps whose title matches. */
function stepSeconds(log, titleRe) {
  const ids = new Set();
  let total = 0;
  for (const line of log.split('\n')) {
    const title = /^#(\d+) (.*)$/.exec(line);
    if (title && titleRe.test(title[2])) ids.add(title[1]);
    const done = /^#(\d+) DONE (\d+(?:\.\d+)?)s\s*$/.exec(line);
    if (done && ids.has(done[1])) total += Number(done[2]);
  }
  return round(total * 1000, 0);
}

/** Per leg, BuildKit's own time for `exporting to oci image format`, from the leg's log group. */
function legExportMs(stdout) {
  const out = {};
  for (const m of stdout.matchAll(/^::group::Leg (\S+)[^\n]*\n([\s\S]*?)^::endgroup::/gm)) out[m[1]] = stepSeconds(m[2], /^exporting to oci/);
  return out;
}

function blobLine(stdout) {
  const m = /(\d+) blobs uploaded, (\d+) already present or mounted/.exec(stdout);
  return m ? { uploaded: Number(m[1]), presentOrMounted: Number(m[2]) } : undefined;
}

/** One action run (main + post); retried once if main fails, since the stack is shared. */
async function actionRun(inputs, { beforePost, label } = {}) {
  for (let attempt = 1; ; attempt++) {
    const r = await runAction({ root: ROOT, script: SCRIPT, actionYml: path.join(ROOT, 'action.yml'), inputs: inputs(attempt), beforePost });
    fs.rmSync(r.runnerTemp, { recursive: true, force: true });
    if (r.main.code === 0 && r.post.code === 0) return { ...r, attempts: attempt };
    const why = r.main.code !== 0 ? failure(r.main) : `post: ${failure(r.post)}`;
    if (attempt >= 2) throw new Error(`${label}: the action failed twice:\n${why}`);
    log(`${label}: failed, retrying once:\n${why}`);
  }
}

async function measureOverhead(mode) {
  const push = mode === 'push';
  const samples = [];
  const posts = [];
  let retries = 0;
  for (let i = 0; i <= RUNS; i++) {
    const label = i === 0 ? `overhead ${mode} warm-up` : `overhead ${mode} ${i}/${RUNS}`;
    const outDir = push ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'bench-oci-'));
    try {
      const r = await actionRun(
        (attempt) =>
          actionInputs({
            push: String(push),
            tags: `${REGISTRY}/bench/hello:${STAMP}-${mode}-${i}${attempt > 1 ? `-r${attempt}` : ''}`,
            ...(push ? {} : { outputs: `type=oci,dest=${outDir}/out` })
          }),
        { label }
      );
      retries += r.attempts - 1;
      const a = analyze(r.main);
      log(`${label}: main ${fmtMs(a.wallMs)}, build span ${fmtMs(a.buildSpanMs)}, overhead ${fmtMs(a.overheadMs)}, post ${fmtMs(r.post.wallMs)}`);
      if (i === 0) continue;
      samples.push(a);
      posts.push(r.post.wallMs);
    } finally {
      if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
    }
  }
  const pick = (f) => summarize(samples.map(f));
  return {
    mode,
    inputs: actionInputs({ push: String(push), tags: `${REGISTRY}/bench/hello:<n>`, ...(push ? {} : { outputs: 'type=oci,dest=<tmp>/out' }) }),
    runs: samples.length,
    retries,
    spanSource: samples[0]?.spanSource,
    strategies: samples[0]?.strategies,
    mainWallMs: pick((s) => s.wallMs),
    buildSpanMs: pick((s) => s.buildSpanMs),
    overheadMs: pick((s) => s.overheadMs),
    beforeLegsMs: pick((s) => s.beforeLegsMs),
    afterLegsMs: pick((s) => s.afterLegsMs),
    phasesMs: Object.fromEntries(Object.keys(samples[0]?.phases ?? {}).map((k) => [k, pick((s) => s.phases[k])])),
    postWallMs: summarize(posts),
    blobs: samples.map((s) => s.blobs).filter(Boolean),
    goalMs: GOAL_OVERHEAD_MS,
    meetsGoal: samples.length ? summarize(samples.map((s) => s.overheadMs)).median <= GOAL_OVERHEAD_MS : null,
    samples: samples.map((s) => ({ wallMs: round(s.wallMs), buildSpanMs: round(s.buildSpanMs), overheadMs: round(s.overheadMs), legDurationsMs: s.legDurationsMs, phasesMs: Object.fromEntries(Object.entries(s.phases).map(([k, v]) => [k, round(v)])) }))
  };
}

// ---------------------------------------------------------------------------- 2. cold start

function resolveBpa() {
  const given = process.env.BPA_DIST;
  if (!given) return { skipped: 'BPA_DIST is not set: extract docker/build-push-action\'s dist/ outside the repository and point BPA_DIST at it' };
  const p = path.resolve(given);
  const file = fs.existsSync(p) && fs.statSync(p).isDirectory() ? ['index.cjs', 'index.js'].map((f) => path.join(p, f)).find((f) => fs.existsSync(f)) : p;
  if (!file || !fs.existsSync(file)) return { skipped: `BPA_DIST=${given} holds no index.cjs or index.js` };
  if (path.resolve(file).startsWith(ROOT + path.sep)) return { skipped: `BPA_DIST=${given} is inside the repository; extract it elsewhere` };
  let commit;
  for (const f of [path.join(path.dirname(file), '..', 'COMMIT'), path.join(path.dirname(file), 'COMMIT')]) if (fs.existsSync(f)) commit = fs.readFileSync(f, 'utf8').trim();
  return { file, commit };
}

function bundleSize(file) {
  const buf = fs.readFileSync(file);
  return { bytes: buf.length, gzipBytes: gzipSync(buf, { level: 9 }).length };
}

async function measureColdStart() {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-empty-'));
  const baseline = path.join(empty, 'empty.mjs');
  fs.writeFileSync(baseline, '');
  const bpa = resolveBpa();
  const subjects = [
    { key: 'ours', label: `multiarch ${path.relative(ROOT, SOURCE) || SOURCE}`, file: SCRIPT },
    ...(bpa.file ? [{ key: 'bpa', label: `docker/build-push-action dist/${path.basename(bpa.file)}`, file: bpa.file }] : []),
    { key: 'node', label: 'node, empty module (floor)', file: baseline }
  ];
  const times = Object.fromEntries(subjects.map((s) => [s.key, []]));
  const firstOutput = {};
  try {
    const WARMUP = 2;
    for (let i = 0; i < WARMUP + COLD_RUNS; i++) {
      // Rotate the order every round, so neither bundle always runs right after the other.
      const order = subjects.map((_, j) => subjects[(i + j) % subjects.length]);
      for (const s of order) {
        const r = await runEmptyPost({ cwd: path.dirname(s.file), script: s.file });
        if (r.code !== 0) throw new Error(`${s.label}: the empty post step exited ${r.code}:\n${tail(r.stdout + r.stderr)}`);
        if (firstOutput[s.key] === undefined) firstOutput[s.key] = (r.stdout + r.stderr).trim();
        if (i >= WARMUP) times[s.key].push(r.wallMs);
      }
    }
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
  const out = { runs: COLD_RUNS, warmups: 2, env: 'STATE_isPost=true, no other STATE_*; RUNNER_TEMP, GITHUB_* files in a temp dir' };
  for (const s of subjects) {
    out[s.key] = {
      label: s.label,
      path: s.key === 'bpa' ? s.file : s.key === 'ours' ? path.relative(ROOT, SOURCE) : '(empty .mjs)',
      wallMs: summarize(times[s.key]),
      ...(s.key !== 'node' ? { size: bundleSize(s.file) } : {}),
      postOutput: firstOutput[s.key] || '(nothing)'
    };
  }
  if (bpa.commit) out.bpa.commit = bpa.commit;
  if (bpa.skipped) out.bpa = { skipped: bpa.skipped };
  out.meetsGoal = out.bpa?.wallMs ? out.ours.wallMs.median <= out.bpa.wallMs.median : null;
  return out;
}

// ---------------------------------------------------------------------- 3. push-cost compare

async function oursPushCost(i) {
  const repo = `bench/ours-${STAMP}-${i}`;
  const r = await actionRun(
    (attempt) => actionInputs({ push: 'true', tags: `${REGISTRY}/${repo}${attempt > 1 ? `-r${attempt}` : ''}:1` }),
    {
      label: `cost ours ${i}`,
      // Before post deletes RUNNER_TEMP/multiarch-*: what the leg layouts hold on disk.
      beforePost: (runnerTemp) => {
        const runDir = fs.readdirSync(runnerTemp).find((d) => d.startsWith('multiarch-'));
        const legs = runDir ? path.join(runnerTemp, runDir, 'legs') : undefined;
        if (!legs || !fs.existsSync(legs)) return { total: null };
        const perLeg = {};
        for (const d of fs.readdirSync(legs)) if (fs.statSync(path.join(legs, d)).isDirectory()) perLeg[d] = diskUsage(path.join(legs, d));
        return { total: diskUsage(legs), perLeg };
      }
    }
  );
  const a = analyze(r.main);
  const pushG = r.main.groups.find((g) => g.name.startsWith('Push by digest'));
  const pushMs = pushG?.end !== undefined ? pushG.end - pushG.start : null;
  const pushedRepo = repo + (r.attempts > 1 ? `-r${r.attempts}` : '');
  return {
    repo: pushedRepo,
    attempts: r.attempts,
    buildSpanMs: a.buildSpanMs,
    pushMs,
    // From the first leg's start to the end of push by digest: what replaces `buildx --push`.
    legsPlusPushMs: pushG?.end !== undefined ? pushG.end - a.legsStartWall : null,
    mainWallMs: r.main.wallMs,
    exportMs: legExportMs(r.main.stdout),
    layout: r.hook,
    blobs: a.blobs,
    image: await imageBytes(REGISTRY_URL, pushedRepo, '1')
  };
}

async function directPushCost(i, { warmup = false } = {}) {
  let res;
  let repo;
  let args;
  let attempt = 1;
  for (; ; attempt++) {
    // A retry goes to a fresh repository too, so it uploads every blob again.
    repo = `bench/direct-${STAMP}-${warmup ? 'warm' : i}${attempt > 1 ? `-r${attempt}` : ''}`;
    const ref = `${REGISTRY}/${repo}:1`;
    args = ['buildx', 'build', '--platform', PLATFORMS, '--network', 'host', ...BUILD_CONTEXTS.flatMap((c) => ['--build-context', c]), '--push', '-t', ref, CONTEXT];
    res = await timedDocker(args);
    // The docker driver also names the image in the engine's store; drop that name (untimed).
    try {
      sh('docker', ['image', 'rm', ref]);
    } catch {
      /* not loaded: nothing to remove */
    }
    if (res.code === 0) break;
    if (attempt >= 2) throw new Error(`docker ${args.join(' ')} failed twice:\n${tail(res.log)}`);
    log(`cost direct ${i}: failed, retrying once in a fresh repository:\n${tail(res.log, 4)}`);
  }
  const mounted = (res.log.match(/mounted from/gi) ?? []).length;
  return {
    repo,
    attempts: attempt,
    command: `docker ${args.join(' ')}`,
    wallMs: res.wallMs,
    exportMs: stepSeconds(res.log, /^exporting to image/),
    dockerPushMs: stepSeconds(res.log, /^pushing .* with docker/),
    mountedLines: mounted,
    image: await imageBytes(REGISTRY_URL, repo, '1')
  };
}

async function measurePushCost() {
  log('cost: warm-up (ours, then direct)');
  await oursPushCost('warm');
  await directPushCost('warm', { warmup: true });
  const ours = [];
  const direct = [];
  for (let i = 1; i <= COST_RUNS; i++) {
    // Alternate which side goes first.
    const pair = i % 2 ? [['ours', oursPushCost], ['direct', directPushCost]] : [['direct', directPushCost], ['ours', oursPushCost]];
    for (const [side, fn] of pair) {
      const r = await fn(i);
      (side === 'ours' ? ours : direct).push(r);
      log(side === 'ours'
        ? `cost ours ${i}/${COST_RUNS}: legs+push ${fmtMs(r.legsPlusPushMs)} (build ${fmtMs(r.buildSpanMs)}, push ${fmtMs(r.pushMs)}), main ${fmtMs(r.mainWallMs)}, layouts ${fmtBytes(r.layout?.total?.diskBytes)}`
        : `cost direct ${i}/${COST_RUNS}: ${fmtMs(r.wallMs)}`);
    }
  }
  const last = (xs) => xs[xs.length - 1];
  return {
    runs: COST_RUNS,
    retries: { ours: ours.reduce((n, r) => n + r.attempts - 1, 0), direct: direct.reduce((n, r) => n + r.attempts - 1, 0) },
    ours: {
      how: 'dist/index.js main with push=true, fresh repository per run; layout sizes read from RUNNER_TEMP before post removes them',
      legsPlusPushMs: summarize(ours.map((r) => r.legsPlusPushMs)),
      buildSpanMs: summarize(ours.map((r) => r.buildSpanMs)),
      pushMs: summarize(ours.map((r) => r.pushMs)),
      legExportMs: summarize(ours.map((r) => Math.max(...Object.values(r.exportMs)))),
      mainWallMs: summarize(ours.map((r) => r.mainWallMs)),
      layoutDiskBytes: summarize(ours.map((r) => r.layout?.total?.diskBytes ?? null)),
      layoutApparentBytes: summarize(ours.map((r) => r.layout?.total?.apparentBytes ?? null)),
      layoutFiles: last(ours)?.layout?.total?.files ?? null,
      layoutPerLeg: last(ours)?.layout?.perLeg ?? null,
      blobs: last(ours)?.blobs ?? null,
      image: last(ours)?.image ?? null,
      samples: ours.map((r) => ({ repo: r.repo, legsPlusPushMs: round(r.legsPlusPushMs), buildSpanMs: round(r.buildSpanMs), pushMs: r.pushMs, legExportMs: r.exportMs, mainWallMs: round(r.mainWallMs), layoutDiskBytes: r.layout?.total?.diskBytes ?? null }))
    },
    direct: {
      how: 'docker buildx build --platform linux/amd64,linux/arm64 --push (docker driver, containerd image store), fresh repository per run',
      command: last(direct)?.command,
      wallMs: summarize(direct.map((r) => r.wallMs)),
      exportMs: summarize(direct.map((r) => r.exportMs)),
      dockerPushMs: summarize(direct.map((r) => r.dockerPushMs)),
      layoutDiskBytes: 0,
      image: last(direct)?.image ?? null,
      mountedLines: last(direct)?.mountedLines ?? 0,
      samples: direct.map((r) => ({ repo: r.repo, wallMs: round(r.wallMs), exportMs: r.exportMs, dockerPushMs: r.dockerPushMs }))
    }
  };
}

// ------------------------------------------------------------------------------------ report

const PHASE_LABELS = {
  bootToPlan: 'process start → Plan (node load, inputs, `buildx version`, `buildx inspect`)',
  planToLegs: 'Plan, QEMU check, builder → first leg starts',
  build: 'legs (build span, excluded from overhead)',
  legsToPublish: 'last leg done → publish starts (leg logs; push: registry client)',
  publish: 'publish (push: push by digest; OCI: merge the legs into one layout)',
  verify: 'verify (index, configs, entrypoint ELF)',
  tag: 'tag',
  tail: 'outputs, job summary, PR check, exit'
};

function renderMarkdown(r) {
  const L = [];
  // A section kept from an earlier run (BENCH_ONLY) says so.
  const kept = (sec) => (sec?.measuredAt && sec.measuredAt < r.generatedAt ? [`_Kept from the run at ${sec.measuredAt} (bundle sha256 ${sec.bundleSha256}…); not re-measured this time._`, ''] : []);
  const e = r.environment;
  L.push(`# Benchmark results`, '');
  L.push(`Generated ${r.generatedAt} by \`npm run bench\` (${round(r.timedSeconds ?? r.totalSeconds)} s${e.lock?.waitedMs > 1000 ? `, after ${Math.round(e.lock.waitedMs / 1000)} s waiting for the lock` : ''}). Bundle \`${e.dist}/index.js\` ${fmtBytes(e.bundle?.bytes)}, sha256 ${e.bundle?.sha256 ?? '?'}…, built ${e.bundle?.mtime ?? '?'}.`);
  L.push('');
  L.push(`Node ${e.node}, ${e.cpus} × ${e.cpuModel}, ${e.memGiB} GiB, kernel ${e.kernel}` +
    (e.docker ? `; dockerd ${e.docker}, ${e.buildx}, builder driver \`${e.builderDriver}\`` : '') + `. Load average at start ${e.loadavgStart.join(' / ')}, at end ${e.loadavgEnd.join(' / ')}.`, '');
  const busy = Object.entries(e.cpuBusy ?? {}).map(([k, v]) => `${k} ${v}%`).join(', ');
  L.push(`Timed under \`flock ${e.lock?.file ?? LOCK_FILE}\` (shared with the other benchmarks)${busy ? `; whole-machine CPU busy while timing: ${busy} (includes the benchmark itself and anything else running, e.g. tests)` : ''}.`, '');
  L.push('Times are median (min – max) over the runs shown.', '');

  const ov = r.overhead;
  if (ov) {
    L.push(`## 1. Action overhead, ${PLATFORMS}, warm builder`, '', ...kept(ov));
    L.push(`\`${e.dist}/index.js\` main, ${CONTEXT}; overhead = main wall time − build span (first leg start → last leg end, from the \`platforms\` output). Goal ≤ ${GOAL_OVERHEAD_MS / 1000} s.`, '');
    L.push('| | push=true (registry) | push=false (OCI layout) |', '| --- | --- | --- |');
    const modes = [ov.push, ov.oci];
    const row = (name, f) => L.push(`| ${name} | ${modes.map((m) => (m ? f(m) : 'n/a')).join(' | ')} |`);
    row('runs (after 1 warm-up)', (m) => String(m.runs) + (m.retries ? ` (${m.retries} retried)` : ''));
    row('main wall time', (m) => fmtStat(m.mainWallMs));
    row('build span', (m) => fmtStat(m.buildSpanMs));
    row('**overhead**', (m) => `**${fmtStat(m.overheadMs)}** ${m.meetsGoal ? '✅' : '❌'}`);
    row('process start → first leg', (m) => fmtStat(m.beforeLegsMs));
    row('last leg done → exit', (m) => fmtStat(m.afterLegsMs));
    row('post step', (m) => fmtStat(m.postWallMs));
    L.push('', 'Breakdown of main (medians; phases add up to the wall time):', '');
    L.push('| phase | push=true | push=false |', '| --- | --- | --- |');
    for (const [k, label] of Object.entries(PHASE_LABELS)) L.push(`| ${label} | ${modes.map((m) => (m?.phasesMs?.[k] ? fmtStat(m.phasesMs[k]) : 'n/a')).join(' | ')} |`);
    if (ov.push?.spanSource !== 'startedAt + durationMs') L.push('', `Build span source: ${ov.push?.spanSource}.`);
    L.push('');
  }

  const cs = r.coldStart;
  if (cs) {
    L.push('## 2. Bundle cold start (empty post step)', '', ...kept(cs));
    L.push(`\`node <bundle>\` with ${cs.env}; ${cs.runs} runs each after ${cs.warmups} warm-ups, order rotated each round. Goal: ours no slower than build-push-action's.`, '');
    L.push('| bundle | wall time | size | gzip |', '| --- | --- | --- | --- |');
    for (const k of ['ours', 'bpa', 'node']) {
      const s = cs[k];
      if (!s) continue;
      if (s.skipped) {
        L.push(`| docker/build-push-action | skipped: ${s.skipped} | | |`);
        continue;
      }
      L.push(`| ${s.label}${s.commit ? ` (${s.commit.slice(0, 7)})` : ''} | ${fmtStat(s.wallMs)} | ${s.size ? fmtBytes(s.size.bytes) : ''} | ${s.size ? fmtBytes(s.size.gzipBytes) : ''} |`);
    }
    if (cs.meetsGoal !== null) L.push('', `Ours vs build-push-action: ${fmtMs(cs.ours.wallMs.median)} vs ${fmtMs(cs.bpa.wallMs.median)} → ${cs.meetsGoal ? '✅ no slower' : '❌ slower'}.`);
    L.push('');
  }

  const pc = r.pushCost;
  if (pc) {
    L.push(`## 3. OCI layout + our push vs BuildKit pushing directly`, '', ...kept(pc));
    const retried = pc.retries && pc.retries.ours + pc.retries.direct ? ` Retried after a failure (shared stack): ours ${pc.retries.ours}, direct ${pc.retries.direct}, each into a fresh repository.` : '';
    L.push(`${CONTEXT}, ${PLATFORMS}, warm cache, a fresh repository per run (${pc.runs} runs per side after one warm-up each, alternating).${retried}`, '');
    L.push('| | ours: legs → OCI layouts → push by digest | BuildKit `--push` |', '| --- | --- | --- |');
    L.push(`| build + push | ${fmtStat(pc.ours.legsPlusPushMs)} | ${fmtStat(pc.direct.wallMs)} |`);
    L.push(`| of which build span / push by digest | ${fmtStat(pc.ours.buildSpanMs)} / ${fmtStat(pc.ours.pushMs)} | (one command) |`);
    L.push(`| BuildKit's export steps, from its plain log (0.1 s resolution) | \`exporting to oci image format\`: ${fmtStat(pc.ours.legExportMs)} (slower leg) | \`exporting to image\` (incl. push) ${fmtStat(pc.direct.exportMs)} + \`pushing … with docker\` ${fmtStat(pc.direct.dockerPushMs)} |`);
    L.push(`| whole step (ours: main incl. plan, verify, tag) | ${fmtStat(pc.ours.mainWallMs)} | ${fmtStat(pc.direct.wallMs)} |`);
    L.push(`| extra disk (leg layouts under RUNNER_TEMP, until post) | ${fmtStat(pc.ours.layoutDiskBytes, fmtBytes)} on disk, ${fmtStat(pc.ours.layoutApparentBytes, fmtBytes)} apparent, ${pc.ours.layoutFiles ?? 'n/a'} files | none: blobs stream from BuildKit's content store |`);
    const img = (i) => (i ? `${fmtBytes(i.bytes)} in ${i.blobs} blobs (${i.platforms} platforms, ${i.attestations} attestation manifests)` : 'n/a');
    L.push(`| pushed image (read back from the registry) | ${img(pc.ours.image)} | ${img(pc.direct.image)} |`);
    if (pc.ours.blobs) L.push(`| blob uploads | ${pc.ours.blobs.uploaded} uploaded, ${pc.ours.blobs.presentOrMounted} present or mounted | not reported by buildx |`);
    L.push('');
  }
  if (r.notes?.length) {
    L.push('## Notes', '');
    for (const n of r.notes) L.push(`- ${n}`);
    L.push('');
  }
  return L.join('\n');
}

function updateReadme(markdown) {
  const file = path.join(ROOT, 'bench', 'README.md');
  if (!fs.existsSync(file)) return;
  const text = fs.readFileSync(file, 'utf8');
  const begin = '<!-- bench:results:begin -->';
  const end = '<!-- bench:results:end -->';
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return;
  const body = markdown.replace(/^# Benchmark results\n\n/, '').replace(/^## /gm, '### ');
  fs.writeFileSync(file, `${text.slice(0, a + begin.length)}\n${body.trim()}\n${text.slice(b)}`);
}

// -------------------------------------------------------------------------------------- main

async function main() {
  const files = resultFiles('overhead');
  const previous = readPrevious(files);
  const environment = await preflight();
  log(`node ${environment.node}, bundle ${path.relative(ROOT, SOURCE)} (sha256 ${environment.bundle.sha256}…, run from a copy); runs: overhead ${RUNS}, cost ${COST_RUNS}, cold ${COLD_RUNS}; sections: ${[...ONLY].join(', ')}`);
  const results = { generatedAt: new Date().toISOString(), environment, goals: { overheadMs: GOAL_OVERHEAD_MS, coldStart: 'ours median ≤ build-push-action median' } };
  const notes = [];

  // Timed sections run holding the shared benchmark lock; CPU use of the whole machine is
  // sampled around each, so a busy host shows in the results.
  const lock = await acquireLock(LOCK_WAIT, log);
  environment.lock = { file: LOCK_FILE, waitedMs: lock.waitedMs };
  environment.cpuBusy = {};
  const timed = async (key, fn) => {
    const a = cpuTimes();
    const measuredAt = new Date().toISOString();
    const out = await fn();
    environment.cpuBusy[key] = round(busyShare(a, cpuTimes()) * 100, 0);
    return { ...out, measuredAt, bundleSha256: environment.bundle.sha256, cpuBusyPercent: environment.cpuBusy[key] };
  };
  try {
    if (ONLY.has('overhead')) {
      results.overhead = await timed('overhead', async () => ({ push: await measureOverhead('push'), oci: await measureOverhead('oci') }));
    } else if (previous.overhead) results.overhead = previous.overhead;

    if (ONLY.has('cold')) results.coldStart = await timed('cold', measureColdStart);
    else if (previous.coldStart) results.coldStart = previous.coldStart;

    if (ONLY.has('cost')) results.pushCost = await timed('cost', measurePushCost);
    else if (previous.pushCost) results.pushCost = previous.pushCost;
  } finally {
    await lock.release();
  }
  if (results.coldStart?.bpa?.skipped) notes.push(`Cold start vs build-push-action skipped: ${results.coldStart.bpa.skipped}.`);
  const pi = results.pushCost?.ours?.image;
  const di = results.pushCost?.direct?.image;
  if (pi && di && pi.attestations !== di.attestations) {
    notes.push(`The two images differ in attestations: ours has ${pi.attestations} attestation manifests, BuildKit's direct push ${di.attestations} (as observed with this buildx: the single-platform \`type=oci\` legs come out without one, the multi-platform \`--push\` build with one per platform); that is ${di.blobs - pi.blobs} blobs and ${fmtBytes(di.bytes - pi.bytes)} more for the direct push.`);
  }

  environment.loadavgEnd = loadavg();
  const after = fs.existsSync(SOURCE) ? fingerprint(SOURCE) : undefined;
  if (after?.sha256 !== environment.bundle.sha256) {
    notes.push(`${path.relative(ROOT, SOURCE)} changed while the bench ran (sha256 ${environment.bundle.sha256}… → ${after?.sha256 ?? 'gone'}…); every figure here is from a copy taken at the start (${environment.bundle.sha256}…).`);
  }
  if (snapshotDir) fs.rmSync(snapshotDir, { recursive: true, force: true });
  if (Math.max(...environment.loadavgStart, ...environment.loadavgEnd) > environment.cpus) {
    notes.push(`The host was busy (load average up to ${Math.max(...environment.loadavgStart, ...environment.loadavgEnd)} on ${environment.cpus} CPUs): other work shared the machine, so figures are pessimistic and min is the better guide.`);
  }
  notes.push('Leg durations are measured by the action around `docker buildx build` and include the docker CLI and buildx plugin start-up and the OCI layout export; they count as build time, not overhead.');
  results.notes = notes;
  results.totalSeconds = round((performance.now() - benchStart) / 1000);
  results.timedSeconds = round(results.totalSeconds - lock.waitedMs / 1000);

  const md = renderMarkdown(results);
  const written = writeResults(files, results, md);
  updateReadme(md);
  process.stdout.write(md + '\n');
  log(`wrote ${written.join(', ')} in ${results.totalSeconds} s`);
}

main().catch((err) => {
  if (snapshotDir) fs.rmSync(snapshotDir, { recursive: true, force: true });
  process.stderr.write(`bench: ${err.stack || err.message}\n`);
  process.exit(1);
});
