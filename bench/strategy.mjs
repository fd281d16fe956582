#!/usr/bin/env node
// `npm run bench:strategy`: what the per-platform strategy buys on a realistic Go service.
//
// bench/go-service is a small HTTP + gRPC service whose imports (cobra, viper, zap, gorilla/mux,
// prometheus, grpc, protobuf, x/net, aws-sdk-go, yaml.v3) pull ~350k lines of library Go into the
// compile. It builds in GOPATH mode from Debian's golang-*-dev sources (/usr/share/gocode/src):
// this script installs the packages if missing (root on Debian), copies just the packages the
// service reaches into a temporary build context, and then, holding /tmp/multiarch-bench.lock,
// builds linux/amd64 + linux/arm64 four ways (and one extra), each from a cold cache (--no-cache):
//
//   (a) Dockerfile.emulated with plain `docker buildx build --platform a,b` (build-push-action +
//       setup-qemu-action): arm64 compiles under QEMU
//   (b) Dockerfile.emulated with `multiarch build` (cross-compile: auto): the planner rewrites the
//       build stage to cross-compile
//   (h) Dockerfile.cross, hand-written cross-aware, with `multiarch build --cross-compile off`
//   (c) Dockerfile.emulated for linux/amd64 alone with plain buildx (one native build)
//   (u) extra: (a) without the Dockerfile's `ENV CGO_ENABLED=0` (the shape the planner refuses
//       here, see bench/go-service/README.md), under QEMU: Go then uses the prebuilt (cgo) std
//       instead of recompiling part of it, so this is what QEMU costs users who don't set it
//
// Writes bench/results/strategy.json and bench/results/strategy.md.
// Environment:
//   BENCH_STRATEGY_WAYS=c,a,b,h,u ways to run, in this order (results keep only these)
//   BENCH_STRATEGY_ROUNDS=1       repeat the ways (order reversed every other round); medians reported
//   BENCH_STRATEGY_BH_EXTRA=1     extra runs of (b) and (h) after the rounds, in reverse order
//                                 (b h … h b), since b/h is the ratio with the tightest goal
//   BENCH_STRATEGY_RETRY=1        re-run a way once when it fails (a shared daemon can fail a
//                                 finished build with "failed to solve: not found"); the failed
//                                 attempt is kept in the results
//   BENCH_STRATEGY_CLEAN_TRIES=2  runs of one slot at most when other users (their containers and
//   BENCH_STRATEGY_MAX_OTHERS=0.1 processes: cgroup cpuacct, /proc) took more than this share of
//                                 the CPUs during it; the least contended run is kept, the
//                                 others listed in the results
//   BENCH_STRATEGY_RESULTS=PREFIX write PREFIX.json/.md instead of bench/results/strategy.*
//   BENCH_STRATEGY_PRUNE=0        1: also `docker buildx prune -af` before each way (drops every
//                                 build cache on the machine, other users' too)
//   BENCH_STRATEGY_IDLE_WAIT=900  seconds in all to wait for the machine to go idle before the ways
//   BENCH_LOCK_WAIT=3600          seconds to wait for /tmp/multiarch-bench.lock
//   BENCH_STRATEGY_KEEP=0         1: keep the temporary build context
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensurePackages, prepareContext, SERVICE_IMPORT_PATH } from './lib/go-service.mjs';
import { acquireLock, LOCK_FILE } from './lib/lock.mjs';
import { loadavg, machineFacts, startSampler, waitForIdle } from './lib/machine.mjs';
import { resultFiles, ROOT, writeResults } from './lib/report.mjs';
import { dockerFacts, requireRegistry, sh } from './lib/stack.mjs';
import { median } from './lib/stats.mjs';
import { renderMarkdown } from './strategy/report.mjs';
import { multiarchBuild, plainBuildx } from './strategy/ways.mjs';

const SERVICE_DIR = path.join(ROOT, 'bench/go-service');
const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const GOLANG_IMAGE = 'localhost:5000/library/golang:1.19';
const BUILD_CONTEXTS = [`golang:1.19=docker-image://${GOLANG_IMAGE}`, 'busybox:1.35=docker-image://localhost:5000/library/busybox:1.35'];
const DOCKERFILE_EMULATED = 'bench/go-service/Dockerfile.emulated';
const DOCKERFILE_CROSS = 'bench/go-service/Dockerfile.cross';


const int = (v, d) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : d);
const WAYS = (process.env.BENCH_STRATEGY_WAYS || 'c,a,b,h,u').split(',').map((w) => w.trim()).filter(Boolean);
const ROUNDS = Math.max(1, int(process.env.BENCH_STRATEGY_ROUNDS, 1));
const BH_EXTRA = int(process.env.BENCH_STRATEGY_BH_EXTRA, 1);
const RETRY = process.env.BENCH_STRATEGY_RETRY !== '0';
const CLEAN_TRIES = Math.max(1, int(process.env.BENCH_STRATEGY_CLEAN_TRIES, 2));
const MAX_OTHERS = Number(process.env.BENCH_STRATEGY_MAX_OTHERS ?? '0.1');
const FILES = resultFiles('strategy', process.env.BENCH_STRATEGY_RESULTS || undefined);
const PRUNE = process.env.BENCH_STRATEGY_PRUNE === '1';
const IDLE_WAIT_MS = int(process.env.BENCH_STRATEGY_IDLE_WAIT, 900) * 1000;
const LOCK_WAIT = int(process.env.BENCH_LOCK_WAIT, 3600);
const KEEP = process.env.BENCH_STRATEGY_KEEP === '1';
for (const w of WAYS) if (!['a', 'b', 'h', 'c', 'u'].includes(w)) throw new Error(`BENCH_STRATEGY_WAYS: unknown way ${w} (a, b, h, c, u)`);

const REFERENCE = {
  what: 'a 390k-line Go service, Go 1.19, cold cache',
  text: 'native amd64 19 s; cross, both platforms 49 s; emulated, both platforms 163 s; arm64 leg 34 s cross vs 148 s emulated',
  nativeAmd64Ms: 19000,
  crossBothMs: 49000,
  emulatedBothMs: 163000,
  arm64LegCrossMs: 34000,
  arm64LegEmulatedMs: 148000
};

const t0 = performance.now();
const log = (m) => process.stderr.write(`[bench:strategy ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
const round2 = (v) => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 100) / 100 : null);

async function preflight() {
  const machine = machineFacts();
  const { docker, buildx, builderDriver } = dockerFacts();
  Object.assign(machine, { docker, buildx, builderDriver });
  await requireRegistry();
  const binfmt = '/proc/sys/fs/binfmt_misc/qemu-aarch64';
  if (!fs.existsSync(binfmt) || !/^enabled/.test(fs.readFileSync(binfmt, 'utf8'))) {
    throw new Error(`no QEMU handler for arm64 (${binfmt}): run \`bash scripts/stack.sh up\``);
  }
  // The handler is a wrapper (/usr/libexec/qemu-binfmt/aarch64-binfmt-P → qemu-aarch64-static).
  machine.qemu = 'unknown';
  for (const bin of [/interpreter (\S+)/.exec(fs.readFileSync(binfmt, 'utf8'))?.[1], 'qemu-aarch64-static', 'qemu-aarch64']) {
    try {
      if (bin) {
        machine.qemu = sh(bin, ['--version']).split('\n')[0].replace(/^qemu-aarch64(-static)? version /, '');
        break;
      }
    } catch {
      // next
    }
  }
  return machine;
}

/**
 * The CLI bundle this run uses: a copy of dist/cli, so a concurrent `npm run build` (which
 * deletes and rewrites dist/) can't break or change a run half-way. When dist/cli/index.js is
 * missing for a minute (a build in progress, or a broken one), the bundle committed at HEAD.
 */
async function snapshotCli(tmp) {
  const src = path.join(ROOT, 'dist/cli');
  const dest = path.join(tmp, 'cli');
  fs.mkdirSync(dest, { recursive: true });
  for (let i = 0; i <= 12; i++) {
    if (fs.existsSync(path.join(src, 'index.js'))) {
      await new Promise((r) => setTimeout(r, 2000)); // let a build that just wrote it finish
      fs.cpSync(src, dest, { recursive: true });
      const st = fs.statSync(path.join(dest, 'index.js'));
      return { script: path.join(dest, 'index.js'), source: `dist/cli (written ${st.mtime.toISOString()})`, bytes: st.size };
    }
    if (i === 0) log('dist/cli/index.js is missing (a build in progress?); waiting up to 1 min…');
    await new Promise((r) => setTimeout(r, 5000));
  }
  const commit = sh('git', ['rev-parse', 'HEAD'], { cwd: ROOT });
  for (const name of ['index.js', 'package.json']) {
    fs.writeFileSync(path.join(dest, name), execFileSync('git', ['show', `HEAD:dist/cli/${name}`], { cwd: ROOT, maxBuffer: 256 << 20 }));
  }
  log(`dist/cli/index.js still missing: using the bundle committed at ${commit.slice(0, 12)}`);
  return { script: path.join(dest, 'index.js'), source: `dist/cli committed at ${commit}`, bytes: fs.statSync(path.join(dest, 'index.js')).size };
}

let CLI = path.join(ROOT, 'bin/multiarch.js');

/** `multiarch plan --json` for one Dockerfile; a short summary for the report. */
function plan(ctx, file, crossCompile) {
  const args = [CLI, 'plan', ctx, '--file', file, '--platforms', PLATFORMS.join(','), '--cross-compile', crossCompile, '--json'];
  for (const bc of BUILD_CONTEXTS) args.push('--build-context', bc);
  // `multiarch plan` leaves the rewritten Dockerfile in os.tmpdir()/multiarch-plan-*: remove ours.
  const planDirs = () => new Set(fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith('multiarch-plan-')));
  const before = planDirs();
  const json = JSON.parse(sh(process.execPath, args, { cwd: ROOT }));
  for (const d of planDirs()) {
    const f = path.join(os.tmpdir(), d, 'Dockerfile.multiarch');
    if (!before.has(d) && fs.existsSync(f) && fs.readFileSync(f, 'utf8').includes(`/go/src/${SERVICE_IMPORT_PATH}`)) fs.rmSync(path.dirname(f), { recursive: true, force: true });
  }
  const platforms = Object.fromEntries(
    json.platforms.map((p) => [p.platform, { strategy: p.strategy, rewrite: p.rewrite, emulatedSteps: p.emulatedSteps, reasons: p.reasons }])
  );
  const summary = json.platforms
    .map((p) => `${p.platform} **${p.strategy}**${p.rewrite ? ` (rewrite ${p.rewrite.kind} at line ${p.rewrite.line})` : ''}`)
    .join(', ');
  return { file, crossCompile, platforms, warnings: json.warnings, summary };
}

/**
 * The planner on Dockerfile.emulated without its `ENV CGO_ENABLED=0` (the shape many users
 * write): recorded every run, because it is refused on this context for reasons worth knowing.
 */
function withoutCgoLine(tmp) {
  const text = fs.readFileSync(path.join(ROOT, DOCKERFILE_EMULATED), 'utf8');
  const variant = text.replace(/^ENV CGO_ENABLED=0 /m, 'ENV ');
  if (variant === text) return null;
  const file = path.join(tmp, 'Dockerfile.emulated-no-cgo-line');
  fs.writeFileSync(file, variant);
  return file;
}

function planWithoutCgoLine(ctx, tmp) {
  const file = withoutCgoLine(tmp);
  if (!file) return null;
  const p = plan(ctx, file, 'auto');
  const arm = p.platforms['linux/arm64'];
  return { strategy: arm.strategy, rewrite: arm.rewrite, reason: arm.reasons.find((r) => /did not rewrite|cgo/.test(r)) ?? arm.reasons.join('; ') };
}

async function runWay(key, tmp, ctx) {
  const common = { root: ROOT, ctx, buildContexts: BUILD_CONTEXTS };
  switch (key) {
    case 'a':
      return {
        label: 'as written, arm64 under QEMU',
        how: 'plain `docker buildx build --platform linux/amd64,linux/arm64` of Dockerfile.emulated (build-push-action + setup-qemu-action)',
        ...(await plainBuildx({ ...common, file: DOCKERFILE_EMULATED, platforms: PLATFORMS, dest: path.join(tmp, 'a.tar') }))
      };
    case 'b':
      return {
        label: 'multiarch, cross-compile: auto',
        how: '`multiarch build` of Dockerfile.emulated; the planner rewrites the build stage to cross-compile',
        ...(await multiarchBuild({ ...common, cli: CLI, file: DOCKERFILE_EMULATED, platforms: PLATFORMS, out: path.join(tmp, 'b-out'), crossCompile: 'auto' }))
      };
    case 'h':
      return {
        label: 'hand-written cross Dockerfile',
        how: '`multiarch build --cross-compile off` of Dockerfile.cross (same pipeline as b, so the comparison is fair)',
        ...(await multiarchBuild({ ...common, cli: CLI, file: DOCKERFILE_CROSS, platforms: PLATFORMS, out: path.join(tmp, 'h-out'), crossCompile: 'off' }))
      };
    case 'c':
      return {
        label: 'one native build, linux/amd64 only',
        how: 'plain `docker buildx build --platform linux/amd64` of Dockerfile.emulated',
        ...(await plainBuildx({ ...common, file: DOCKERFILE_EMULATED, platforms: ['linux/amd64'], dest: path.join(tmp, 'c.tar') }))
      };
    case 'u': {
      const file = withoutCgoLine(tmp);
      if (!file) throw new Error(`${DOCKERFILE_EMULATED} has no \`ENV CGO_ENABLED=0 …\` line to drop for way u`);
      return {
        label: 'as written without `ENV CGO_ENABLED=0`, arm64 under QEMU',
        how: 'plain `docker buildx build --platform linux/amd64,linux/arm64` of Dockerfile.emulated minus its CGO_ENABLED=0 (prebuilt cgo std, dynamic binary)',
        ...(await plainBuildx({ ...common, file, platforms: PLATFORMS, dest: path.join(tmp, 'u.tar') }))
      };
    }
  }
  throw new Error(`unknown way ${key}`);
}

async function main() {
  const machine = await preflight();
  const schedule = [];
  for (let round = 0; round < ROUNDS; round++) for (const key of round % 2 ? [...WAYS].reverse() : WAYS) schedule.push({ key, round: round + 1 });
  const pair = WAYS.filter((k) => k === 'b' || k === 'h');
  const lastOrder = schedule.filter((e) => pair.includes(e.key)).slice(-pair.length).map((e) => e.key);
  for (let i = 0; pair.length === 2 && i < BH_EXTRA; i++) {
    const order = i % 2 ? lastOrder : [...lastOrder].reverse();
    for (const key of order) schedule.push({ key, round: ROUNDS + i + 1, extra: true });
  }
  log(`machine: ${machine.cpus} CPUs, load ${loadavg().join(' / ')}; schedule ${schedule.map((e) => e.key).join(' ')}`);
  const pkgs = ensurePackages(log);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'multiarch-bench-strategy-'));
  const ctx = path.join(tmp, 'ctx');
  let results;
  try {
    log('preparing the build context (go list -deps in the golang image, then copying the packages)…');
    const context = prepareContext({ serviceDir: SERVICE_DIR, ctxDir: ctx, image: GOLANG_IMAGE, log });
    const cli = await snapshotCli(tmp);
    CLI = cli.script;
    machine.multiarchBundle = { source: cli.source, bytes: cli.bytes, note: 'bin/multiarch.js loads dist/cli/index.js; this run used a copy taken at its start' };

    const emulatedAuto = plan(ctx, DOCKERFILE_EMULATED, 'auto');
    const crossOff = plan(ctx, DOCKERFILE_CROSS, 'off');
    const noCgoLine = planWithoutCgoLine(ctx, tmp);
    const arm = emulatedAuto.platforms['linux/arm64'];
    const rewriteOk = arm.strategy === 'cross' && arm.rewrite?.kind === 'go';
    log(`plan, Dockerfile.emulated (auto): ${emulatedAuto.summary.replace(/\*\*/g, '')}`);
    if (!rewriteOk) log(`warning: the planner did not rewrite Dockerfile.emulated for arm64: ${arm.reasons.join('; ')}`);
    if (noCgoLine) log(`plan without ENV CGO_ENABLED=0: arm64 ${noCgoLine.strategy} — ${noCgoLine.reason}`);

    // ------------------------------------------------------------------ timed section (locked)
    const lock = await acquireLock(LOCK_WAIT, log);
    const loadBefore = loadavg();
    const runs = Object.fromEntries(WAYS.map((w) => [w, []]));
    const idleChecks = [];
    let idleBudget = IDLE_WAIT_MS;
    try {
      for (const { key, round } of schedule) {
        const failedAttempts = [];
        const contaminated = [];
        for (let attempt = 1; ; attempt++) {
          if (PRUNE) sh('docker', ['buildx', 'prune', '-af'], { timeout: 600_000 });
          const idle = await waitForIdle([tmp], { maxMs: idleBudget, log });
          idleBudget = Math.max(0, idleBudget - idle.waitedMs);
          idleChecks.push({ way: key, round, attempt, ...idle });
          log(`(${key}) round ${round}${attempt > 1 ? `, attempt ${attempt}` : ''}: building… (machine ${idle.idle ? 'idle' : `NOT idle: CPU ${idle.cpuBusy} % over 5 s`})`);
          const stop = startSampler([tmp]);
          const r = await runWay(key, tmp, ctx);
          r.during = await stop();
          r.round = round;
          r.attempt = attempt;
          r.idleBefore = idle;
          const cpu = r.during.cpu;
          const share = cpu.othersShare;
          log(
            `(${key}) ${r.ok ? 'done' : 'FAILED'} in ${(r.wallMs / 1000).toFixed(1)} s (CPU busy ${r.during.cpuBusy} %; core-s: our RUN steps ${cpu.ourBuildStepsCoreSec}, our clients ${cpu.ourProcessesCoreSec}, ` +
              `daemons ${cpu.daemonsCoreSec}, other users' containers ${cpu.otherContainersCoreSec} + processes ${cpu.otherProcessesCoreSec} = ${(share * 100).toFixed(0)} % of the machine; other builds seen in ${r.during.samplesWithForeignBuilds}/${r.during.samples} samples)`
          );
          if (!r.ok) {
            log(`(${key}) error: ${String(r.error).split('\n').slice(-3).join(' | ')}`);
            if (RETRY && failedAttempts.length === 0) {
              failedAttempts.push({ wallMs: r.wallMs, error: String(r.error).split('\n').slice(-3).join('\n'), perPlatform: r.perPlatform, during: r.during });
              continue;
            }
          } else if (share > MAX_OTHERS && contaminated.length + 1 < CLEAN_TRIES) {
            // Other users' builds took a real share of the 2 CPUs: try again, keep the cleanest.
            log(`(${key}) other users took ${(share * 100).toFixed(0)} % of the machine (limit ${(MAX_OTHERS * 100).toFixed(0)} %): running it again`);
            contaminated.push(r);
            continue;
          }
          let chosen = r;
          if (contaminated.length && r.ok) {
            const shareOf = (x) => x.during.cpu.othersShare;
            const all = [...contaminated, r];
            chosen = all.reduce((best, x) => (shareOf(x) < shareOf(best) ? x : best), all[0]);
            chosen.discardedAsContended = all.filter((x) => x !== chosen).map((x) => ({ wallMs: x.wallMs, attempt: x.attempt, cpu: x.during.cpu }));
          }
          if (failedAttempts.length) chosen.failedAttempts = failedAttempts;
          runs[key].push(chosen);
          break;
        }
      }
    } finally {
      await lock.release();
    }
    const loadAfter = loadavg();

    // ------------------------------------------------------------------ results
    const ways = {};
    for (const [key, list] of Object.entries(runs)) {
      const ok = list.filter((r) => r.ok);
      const pick = ok.length ? ok : list;
      const med = median(pick.map((r) => r.wallMs));
      const representative = pick.reduce((best, r) => (Math.abs(r.wallMs - med) < Math.abs(best.wallMs - med) ? r : best), pick[0]);
      const sum = (f) => Math.round(list.reduce((n, r) => n + (r.during.cpu?.[f] ?? 0), 0) * 10) / 10;
      const during = {
        cpu: {
          busyCoreSec: sum('busyCoreSec'),
          capacityCoreSec: sum('capacityCoreSec'),
          ourBuildStepsCoreSec: sum('ourBuildStepsCoreSec'),
          ourProcessesCoreSec: sum('ourProcessesCoreSec'),
          daemonsCoreSec: sum('daemonsCoreSec'),
          otherContainersCoreSec: sum('otherContainersCoreSec'),
          otherProcessesCoreSec: sum('otherProcessesCoreSec'),
          restCoreSec: sum('restCoreSec')
        },
        samples: list.reduce((n, r) => n + r.during.samples, 0),
        samplesWithForeignBuilds: list.reduce((n, r) => n + r.during.samplesWithForeignBuilds, 0),
        samplesWithOtherLaunchers: list.reduce((n, r) => n + r.during.samplesWithOtherLaunchers, 0)
      };
      ways[key] = {
        ...representative,
        wallMs: med,
        minMs: Math.min(...pick.map((r) => r.wallMs)),
        ok: ok.length === list.length,
        samplesMs: list.map((r) => r.wallMs),
        duringAll: during,
        runs: list.length > 1 ? list : undefined
      };
    }
    const ms = (k) => (ways[k]?.ok ? ways[k].wallMs : null);
    const ratio = (p, q) => (ms(p) && ms(q) ? round2(ms(p) / ms(q)) : null);
    const ratios = {
      b_h_min: ways.b?.ok && ways.h?.ok ? round2(ways.b.minMs / ways.h.minMs) : null,
      a_b: ratio('a', 'b'), b_h: ratio('b', 'h'), b_c: ratio('b', 'c'), a_h: ratio('a', 'h'), h_c: ratio('h', 'c'), a_c: ratio('a', 'c'), u_b: ratio('u', 'b'), u_h: ratio('u', 'h') };
    const legMs = (k) => Object.fromEntries(PLATFORMS.map((p) => [p, median((runs[k] ?? []).map((r) => r.perPlatform?.[p]?.legMs))]));
    const aStep = (k, field) => Object.fromEntries(PLATFORMS.map((p) => [p, median((runs[k] ?? []).map((r) => r.perPlatform?.[p]?.[field]))]));
    const legs = {
      b: legMs('b'),
      h: legMs('h'),
      aGoBuild: aStep('a', 'goBuildSeconds'),
      aDone: aStep('a', 'lastStepDoneAtMs'),
      uGoBuild: aStep('u', 'goBuildSeconds'),
      uDone: aStep('u', 'lastStepDoneAtMs'),
      cGoBuild: aStep('c', 'goBuildSeconds')['linux/amd64']
    };
    legs.bArm64GoBuildNote = `a whole cross leg of ${legs.b['linux/arm64'] ? (legs.b['linux/arm64'] / 1000).toFixed(1) : '–'} s with multiarch (b), ${legs.h['linux/arm64'] ? (legs.h['linux/arm64'] / 1000).toFixed(1) : '–'} s hand-written (h)`;
    const verification = Object.fromEntries(
      Object.entries(ways.b?.perPlatform ?? {}).map(([p, v]) => [
        p,
        { strategy: v.strategy, verified: v.verified, verifiedInEveryRun: (runs.b ?? []).every((r) => r.perPlatform?.[p]?.verified === true), entrypointCheck: v.entrypointCheck }
      ])
    );
    const armCheck = verification['linux/arm64']?.entrypointCheck;
    const goals = {
      b_h: { goal: 'b/h ≤ 1.05', value: ratios.b_h, met: ratios.b_h === null ? null : ratios.b_h <= 1.05 },
      a_b: {
        goal: 'a/b at least a/h (multiarch auto is as fast as the hand-written cross Dockerfile), within the 5 % of the b/h goal',
        value: ratios.a_b,
        reference: ratios.a_h,
        met: ratios.a_b === null || ratios.a_h === null ? null : ratios.a_b >= ratios.a_h / 1.05,
        strictlyMet: ratios.a_b === null || ratios.a_h === null ? null : ratios.a_b >= ratios.a_h
      },
      rewrite: { goal: 'the planner rewrites Dockerfile.emulated for arm64 (strategy cross, rewrite kind go)', met: rewriteOk },
      arm64Verified: {
        goal: "(b)'s arm64 image verified, its entrypoint an aarch64 ELF",
        met: ways.b ? verification['linux/arm64']?.verified === true && !!armCheck?.ok && /aarch64|arm64/i.test(String(armCheck?.actual ?? '')) : null
      }
    };
    const foreignSeen = Object.values(ways).some((w) => w.duringAll.samplesWithForeignBuilds > 0);
    const launchersSeen = Object.entries(ways).filter(([, w]) => w.duringAll.samplesWithOtherLaunchers > 0);
    const allIdle = idleChecks.every((c) => c.idle);
    const maxBusyOthers = Math.max(...idleChecks.map((c) => c.cpuBusy));
    const conditions = {
      lock: { file: LOCK_FILE, waitedMs: lock.waitedMs },
      cache: PRUNE ? '`docker buildx prune -af` and --no-cache before every way' : '--no-cache on every way (no prune: it would drop other users\' build caches)',
      loadavgBefore: loadBefore,
      loadavgAfter: loadAfter,
      idleChecks,
      otherBuildsDuringWays: foreignSeen,
      summary:
        `cold (${PRUNE ? 'prune + --no-cache' : '--no-cache'}) every build; order ${schedule.map((e) => e.key).join(' ')}; under \`flock ${LOCK_FILE}\` (waited ${(lock.waitedMs / 1000).toFixed(0)} s). ` +
        `Load average ${loadBefore.join(' / ')} before, ${loadAfter.join(' / ')} after (1/5/15 min; the 1-min figure after is this benchmark's own load). ` +
        (allIdle
          ? 'Right before every way the machine was idle (CPU < 15 % over 5 s). '
          : `Right before some ways the machine was NOT idle (CPU up to ${maxBusyOthers} % over 5 s while this benchmark was not building): ${idleChecks.filter((c) => !c.idle).map((c) => `(${c.way}) ${c.cpuBusy} %`).join(', ')}. `) +
        (foreignSeen
          ? `Other \`docker buildx build\` runs overlapped: ${Object.entries(ways).filter(([, w]) => w.duringAll.samplesWithForeignBuilds > 0).map(([k, w]) => `(${k}) in ${w.duringAll.samplesWithForeignBuilds}/${w.duringAll.samples} samples`).join(', ')}. `
          : 'No other `docker buildx build` ran during any way (sampled every 2 s). ') +
        `CPU that other users took while a way ran (their containers + their processes, in core-seconds, the kept runs of the way added up, out of 2 CPUs × wall time): ${Object.entries(ways).map(([k, w]) => `(${k}) ${w.duringAll.cpu.otherContainersCoreSec} + ${w.duringAll.cpu.otherProcessesCoreSec} of ${w.duringAll.cpu.capacityCoreSec}`).join(', ')}; ` +
        `a way that shared the CPUs with them is slower for it. A run where they took more than ${(MAX_OTHERS * 100).toFixed(0)} % was re-run (up to ${CLEAN_TRIES} runs) and the least contended kept. ` +
        (launchersSeen.length
          ? `Other test/benchmark processes were alive (not necessarily busy) during ${launchersSeen.map(([k]) => `(${k})`).join(' ')}.`
          : 'No other test or benchmark process was alive during the ways.')
    };
    const planner = { notes: [] };
    if (noCgoLine) {
      planner.notes.push(
        `Without \`ENV CGO_ENABLED=0\` in Dockerfile.emulated the planner keeps arm64 **${noCgoLine.strategy}**: "${noCgoLine.reason}". ` +
          (/mksyscall_aix_ppc\.go/.test(noCgoLine.reason)
            ? 'The cited file is a `//go:build ignore` generator in golang.org/x/sys/unix, and its `import "C"` is inside a string literal it prints; the cgo scan (src/plan/language.ts) ignores build constraints and file-name GOOS/GOARCH suffixes and matches the text anywhere in a file. '
            : '') +
          'Had it not matched, the scan would still give "unknown": the context is deeper than its 6-level walk (src/github.com/aws/aws-sdk-go/service/s3/s3manager), so cgo could not be ruled out either way.'
      );
    }
    if (!rewriteOk) planner.notes.push(`Dockerfile.emulated as committed was not rewritten for arm64: ${arm.reasons.join('; ')}`);

    results = {
      generatedAt: new Date().toISOString(),
      durationMs: Math.round(performance.now() - t0),
      command: 'npm run bench:strategy',
      env: { BENCH_STRATEGY_WAYS: WAYS.join(','), BENCH_STRATEGY_ROUNDS: ROUNDS, BENCH_STRATEGY_BH_EXTRA: BH_EXTRA, BENCH_STRATEGY_RETRY: RETRY, BENCH_STRATEGY_CLEAN_TRIES: CLEAN_TRIES, BENCH_STRATEGY_MAX_OTHERS: MAX_OTHERS, BENCH_STRATEGY_PRUNE: PRUNE },
      schedule: schedule.map((e) => e.key),
      machine,
      platforms: PLATFORMS,
      service: {
        dir: 'bench/go-service',
        importPath: SERVICE_IMPORT_PATH,
        go: 'Go 1.19 (golang-1.19-go in localhost:5000/library/golang:1.19), GOPATH mode (GO111MODULE=off)',
        debianPackages: pkgs.packages,
        installedThisRun: pkgs.installedNow,
        context: { packages: context.packages, files: context.files, bytes: context.bytes },
        lines: context.counts
      },
      plan: { emulatedAuto, crossOff, emulatedWithoutCgoLine: noCgoLine },
      planner,
      conditions,
      ways,
      ratios,
      legs,
      goals,
      verification,
      reference: REFERENCE
    };
  } finally {
    if (KEEP) log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }

  const written = writeResults(FILES, results, renderMarkdown(results));
  const r = results.ratios;
  log(`wrote ${written.join(' and ')}`);
  log(
    `a ${fmt(results.ways.a)}, b ${fmt(results.ways.b)}, h ${fmt(results.ways.h)}, c ${fmt(results.ways.c)}; ` +
      `a/b ${r.a_b ?? '–'}, b/h ${r.b_h ?? '–'}, b/c ${r.b_c ?? '–'}, a/h ${r.a_h ?? '–'}`
  );
  const failed = Object.entries(results.ways).filter(([, w]) => !w.ok);
  if (failed.length) {
    log(`FAILED: ${failed.map(([k]) => `(${k})`).join(' ')}`);
    process.exitCode = 1;
  }
}

function fmt(w) {
  return w ? `${(w.wallMs / 1000).toFixed(1)} s${w.ok ? '' : ' (failed)'}` : '–';
}

main().catch((err) => {
  log(`error: ${err.stack || err.message}`);
  process.exitCode = 1;
});
