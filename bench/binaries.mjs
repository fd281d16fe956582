#!/usr/bin/env node
// `npm run bench:binaries` (bench/binaries.mjs): what the whole-image binary checks cost (GitHub
// issue #9, part 1), on the real stack, for two 2-platform images (linux/amd64 + linux/arm64):
//
//   go-service    bench/go-service built with its hand-written cross Dockerfile (a static Go
//                 service on busybox:1.35): small, few ELF files
//   golang:1.19   the stack's golang:1.19 (a Go toolchain on Debian's glibc and busybox):
//                 several hundred MiB unpacked, thousands of ELF files
//
// Per image and run, on that run's cold copy (every layer differs from the original in one tar
// header mtime, so nothing is in the local containerd content store and `docker pull` downloads
// everything, as on a fresh runner):
//
//   all          verifyImage with verify-binaries: all (every layer of both platforms streamed
//                once, every ELF judged, the entrypoint's libraries followed), from src/ (ncc)
//   entrypoint   verifyImage with verify-binaries: entrypoint (the program and its libraries)
//   pull-based   per platform, one after the other: docker pull --platform P, docker create
//                --platform P, docker cp -L of ENTRYPOINT[0] (or CMD[0]), `file` on it; docker rm
//                timed apart, the image removed between runs (untimed)
//
// Goal: `all` on the 2-platform image takes at most half the time of the pull-based check of
// the entrypoint alone. The order of the three alternates run by run. The timed section holds
// the benchmark lock (bench/lib/lock.mjs); run the whole script under the Docker lock:
//   flock /tmp/multiarch-docker.lock npm run bench:binaries
// Writes bench/results/binaries.json and bench/results/binaries.md.
// Environment: BENCH_BINARIES_RUNS=3 (timed runs per image, after one warm-up run).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { ensurePackages, prepareContext } from './lib/go-service.mjs';
import { acquireLock, LOCK_FILE } from './lib/lock.mjs';
import { loadavg, machineFacts } from './lib/machine.mjs';
import { resultFiles, ROOT, writeResults } from './lib/report.mjs';
import { dockerFacts, REGISTRY, requireRegistry, sh } from './lib/stack.mjs';
import { fmtBytes, fmtMs, fmtStat, round, summarize } from './lib/stats.mjs';

const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const GOLANG_IMAGE = `${REGISTRY}/library/golang:1.19`;
const BUILD_CONTEXTS = [`golang:1.19=docker-image://${GOLANG_IMAGE}`, `busybox:1.35=docker-image://${REGISTRY}/library/busybox:1.35`];
const GOAL_RATIO = 0.5;
const RUNS = /^\d+$/.test(process.env.BENCH_BINARIES_RUNS ?? '') && Number(process.env.BENCH_BINARIES_RUNS) > 0 ? Number(process.env.BENCH_BINARIES_RUNS) : 3;
const STAMP = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
const ELF_MACHINES = { 62: 'amd64', 183: 'arm64', 40: 'arm', 3: '386' };

const t0 = performance.now();
const log = (m) => process.stderr.write(`[bench-binaries ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
const docker = (args) => sh('docker', args, { timeout: 900_000 });

await requireRegistry();
try {
  docker(['info', '--format', '{{.ServerVersion}}']);
} catch {
  throw new Error('the Docker stack is not running: run `bash scripts/stack.sh up` first');
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-binaries-'));
try {
  log('bundling bench/binaries/lib.ts (src/ verify + registry) with ncc');
  const bundleDir = path.join(tmp, 'lib');
  sh(path.join(ROOT, 'node_modules', '.bin', 'ncc'), ['build', 'bench/binaries/lib.ts', '-o', bundleDir, '--quiet', '--target', 'es2022'], { cwd: ROOT, timeout: 900_000 });
  fs.writeFileSync(path.join(bundleDir, 'package.json'), '{"type":"module"}\n');
  const lib = await import(pathToFileURL(path.join(bundleDir, 'index.js')).href);

  // ------------------------------------------------------------------------------ the images
  const images = [
    { name: 'go-service', repo: 'bench-binaries/go-service', source: buildGoService() },
    { name: 'golang:1.19', repo: 'bench-binaries/golang', source: { repo: 'library/golang', ref: '1.19' } }
  ];
  for (const image of images) {
    image.copies = [];
    for (let i = 0; i <= RUNS; i++) {
      log(`${image.name}: cold copy ${i + 1} of ${RUNS + 1}`);
      image.copies.push(await lib.coldCopy(REGISTRY, image.repo, image.source.ref, `${STAMP}-cold-${i}`, 1 + i, image.source.repo));
    }
    image.facts = imageFacts(image.copies[0]);
    log(`${image.name}: ${image.facts.layers} layers, ${fmtBytes(image.facts.compressed)} compressed for both platforms, ${image.facts.files} tar entries`);
  }

  // ------------------------------------------------------------------------- timed section
  const lock = await acquireLock(3600, log);
  const startedAt = new Date().toISOString();
  try {
    for (const image of images) {
      image.runs = [];
      for (const [i, copy] of image.copies.entries()) {
        const order = [['all', 'entrypoint', 'pull'], ['pull', 'all', 'entrypoint'], ['entrypoint', 'pull', 'all']][i % 3];
        const run = { copy: copy.tag, warmup: i === 0, order };
        for (const what of order) run[what] = what === 'pull' ? pullBased(copy) : await lib.timeScope(REGISTRY, image.repo, copy.tag, PLATFORMS, what);
        log(`${image.name} ${run.warmup ? 'warm-up' : `run ${i}`}: all ${fmtMs(run.all.ms)} (${fmtBytes(run.all.bytesRead)}), entrypoint ${fmtMs(run.entrypoint.ms)} (${fmtBytes(run.entrypoint.bytesRead)}), pull-based ${fmtMs(run.pull.ms)} (${run.pull.platforms.map((p) => `${p.platform} → ${p.machine}`).join(', ')})`);
        image.runs.push(run);
      }
    }
  } finally {
    await lock.release();
  }

  // -------------------------------------------------------------------------------- results
  const results = {
    generated: new Date().toISOString(),
    command: 'flock /tmp/multiarch-docker.lock npm run bench:binaries',
    durationMs: round(performance.now() - t0),
    environment: { ...machineFacts(), docker: dockerFacts(), loadAtEnd: loadavg() },
    method: {
      runs: RUNS,
      warmup: 1,
      lock: `flock ${LOCK_FILE} (timed section), under flock /tmp/multiarch-docker.lock (whole script)`,
      startedAt,
      all: 'verifyImage(RemoteSource(new RegistryClient), tag, [linux/amd64, linux/arm64], { entrypoint: true, binaries: { scope: "all" } }) from src/ (ncc bundle); bytes = ImageSource.bytesRead()',
      entrypoint: 'the same with scope "entrypoint"',
      pullBased: 'per platform, one after the other: docker pull --quiet --platform P; docker create --platform P; docker container inspect (Entrypoint, else Cmd); docker cp -L ctr:PROGRAM; file -b on it. docker rm timed apart; docker image rm between runs, untimed',
      coldCopies: 'every run reads its own copy of the image whose layers differ only in one tar header mtime, so no layer is in the local content store and docker pull downloads all of them',
      order: 'the three rotate which goes first, run by run'
    },
    goal: { ratio: GOAL_RATIO, statement: 'the whole-image check of a 2-platform image takes at most half the time of the pull-based check of the entrypoint alone' },
    images: images.map(summarizeImage)
  };
  const written = writeResults(resultFiles('binaries'), results, markdown(results));
  for (const img of results.images) log(`${img.name}: all ${fmtStat(img.all.ms)} vs pull-based ${fmtStat(img.pullBased.ms)}: ratio ${img.ratio.median} (goal ≤ ${GOAL_RATIO}: ${img.ratio.met ? 'met' : 'NOT met'})`);
  log(`wrote ${written.join(' and ')}`);
  if (!results.images.every((i) => i.checksOk)) process.exitCode = 1;
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

// ------------------------------------------------------------------------------------ helpers

/** bench/go-service, cross-compiled for both platforms and pushed; the source of its cold copies. */
function buildGoService() {
  ensurePackages(log);
  const ctx = path.join(tmp, 'go-service');
  prepareContext({ serviceDir: path.join(ROOT, 'bench/go-service'), ctxDir: ctx, image: GOLANG_IMAGE, log });
  const repo = 'bench-binaries/go-service';
  const name = `${REGISTRY}/${repo}:build-${STAMP}`;
  const metadata = path.join(tmp, 'metadata.json');
  log(`building bench/go-service (Dockerfile.cross) for ${PLATFORMS.join(', ')} → ${name}`);
  docker(['buildx', 'build', '--builder', 'default', '--network', 'host', ...BUILD_CONTEXTS.flatMap((c) => ['--build-context', c]), '-f', path.join(ROOT, 'bench/go-service/Dockerfile.cross'), '--platform', PLATFORMS.join(','), '--provenance=false', '--metadata-file', metadata, '--output', `type=image,name=${name},push=true`, ctx]);
  // The docker driver also stored it locally; the pull-based side must not find it there.
  docker(['image', 'rm', name]);
  return { repo, ref: JSON.parse(fs.readFileSync(metadata, 'utf8'))['containerimage.digest'] };
}

/** The pull-based check of one cold copy, both platforms one after the other. */
function pullBased(copy) {
  const ref = `${REGISTRY}/${copy.repo}:${copy.tag}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-binaries-cp-'));
  const platforms = [];
  let ms = 0;
  let rmMs = 0;
  try {
    for (const platform of PLATFORMS) {
      const start = performance.now();
      docker(['pull', '--quiet', '--platform', platform, ref]);
      const ctr = docker(['create', '--platform', platform, ref]);
      const config = JSON.parse(docker(['container', 'inspect', '--format', '{{json .Config}}', ctr]));
      const program = config.Entrypoint?.[0] ?? config.Cmd?.[0];
      const out = path.join(dir, platform.replace(/\//g, '-'));
      docker(['cp', '-L', `${ctr}:${program}`, out]);
      const file = execFileSync('file', ['-b', out], { encoding: 'utf8' }).trim();
      const end = performance.now();
      docker(['rm', ctr]);
      rmMs += performance.now() - end;
      ms += end - start;
      const header = fs.readFileSync(out).subarray(0, 20);
      const machine = header.readUInt32BE(0) === 0x7f454c46 ? (ELF_MACHINES[header.readUInt16LE(18)] ?? `e_machine ${header.readUInt16LE(18)}`) : 'not ELF';
      platforms.push({ platform, program, machine, file, ms: end - start });
    }
  } finally {
    try {
      docker(['image', 'rm', ref]);
    } catch {
      // already gone
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { ms, rmMs, platforms };
}

function imageFacts(copy) {
  const layers = copy.platforms.flatMap((p) => p.layers);
  return {
    platforms: copy.platforms.map((p) => ({ platform: p.platform, program: p.entrypoint, layers: p.layers.length, compressed: p.layers.reduce((n, l) => n + l.size, 0), files: p.layers.reduce((n, l) => n + l.files.length, 0) })),
    layers: layers.length,
    compressed: layers.reduce((n, l) => n + l.size, 0),
    files: layers.reduce((n, l) => n + l.files.length, 0)
  };
}

function summarizeImage(image) {
  const runs = image.runs.filter((r) => !r.warmup);
  const all = summarize(runs.map((r) => r.all.ms));
  const pull = summarize(runs.map((r) => r.pull.ms));
  const ratios = runs.map((r) => r.all.ms / r.pull.ms);
  const ratio = all.median / pull.median;
  const pullMachinesOk = runs.every((r) => r.pull.platforms.every((p) => p.machine === p.platform.split('/')[1]));
  return {
    name: image.name,
    repository: `${REGISTRY}/${image.repo}`,
    source: image.source,
    facts: image.facts,
    all: { ms: all, bytesRead: summarize(runs.map((r) => r.all.bytesRead), 0), checks: runs[0]?.all.checks, warnings: runs[0]?.all.warnings, ok: runs.every((r) => r.all.ok) },
    entrypoint: { ms: summarize(runs.map((r) => r.entrypoint.ms)), bytesRead: summarize(runs.map((r) => r.entrypoint.bytesRead), 0), checks: runs[0]?.entrypoint.checks, ok: runs.every((r) => r.entrypoint.ok) },
    pullBased: { ms: pull, rmMs: summarize(runs.map((r) => r.pull.rmMs)), platforms: runs[0]?.pull.platforms.map((p) => ({ platform: p.platform, program: p.program, machine: p.machine, file: p.file })) },
    ratio: { median: round(ratio, 2), perRun: ratios.map((x) => round(x, 2)), goal: GOAL_RATIO, met: ratio <= GOAL_RATIO && Math.max(...ratios) <= GOAL_RATIO },
    checksOk: runs.every((r) => r.all.ok && r.entrypoint.ok) && pullMachinesOk,
    perRun: image.runs.map((r) => ({ copy: r.copy, warmup: r.warmup, order: r.order, allMs: round(r.all.ms), allBytes: r.all.bytesRead, entrypointMs: round(r.entrypoint.ms), entrypointBytes: r.entrypoint.bytesRead, pullMs: round(r.pull.ms) }))
  };
}

function markdown(r) {
  const e = r.environment;
  const lines = ['# Whole-image binary checks: benchmark', ''];
  lines.push(
    `Generated ${r.generated} by \`${r.command}\` (${(r.durationMs / 1000).toFixed(0)} s). Node ${e.node}, ${e.cpus} × ${e.cpuModel}, ${e.memGiB.toFixed(1)} GiB, kernel ${e.kernel}. ` +
      `Times are median (min – max) over ${r.method.runs} runs after 1 warm-up; ${r.method.order}. ${r.method.coldCopies[0].toUpperCase()}${r.method.coldCopies.slice(1)}.`,
    ''
  );
  lines.push(`Goal: ${r.goal.statement} (ratio ≤ ${r.goal.ratio}).`, '');
  lines.push('| image | layers (both platforms) | compressed | tar entries | `all`: wall time | `all`: bytes read | `entrypoint`: wall time | `entrypoint`: bytes read | pull-based: wall time | `all` / pull-based |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const i of r.images) {
    lines.push(
      `| ${i.name} | ${i.facts.layers} | ${fmtBytes(i.facts.compressed)} | ${i.facts.files} | **${fmtStat(i.all.ms)}** | ${fmtBytes(i.all.bytesRead.median)} | ${fmtStat(i.entrypoint.ms)} | ${fmtBytes(i.entrypoint.bytesRead.median)} | **${fmtStat(i.pullBased.ms)}** | **${i.ratio.median}** ${i.ratio.met ? '✅' : '❌'} |`
    );
  }
  lines.push('');
  for (const i of r.images) {
    lines.push(`## ${i.name}`, '');
    lines.push(`Ratio per run: ${i.ratio.perRun.join(', ')} (goal ≤ ${i.ratio.goal}: ${i.ratio.met ? 'met in every run' : 'not met in every run'}). Pull-based check read: ${i.pullBased.platforms?.map((p) => `${p.platform} ${p.program} → ${p.file}`).join('; ')}.`, '');
    lines.push('What `all` reported (first timed run):', '');
    for (const c of i.all.checks ?? []) lines.push(`- ${c}`);
    lines.push(`- warnings: ${i.all.warnings}`, '');
    lines.push('| copy | order | all | all bytes | entrypoint | entrypoint bytes | pull-based |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const p of i.perRun) lines.push(`| ${p.copy}${p.warmup ? ' (warm-up)' : ''} | ${p.order.join(' → ')} | ${fmtMs(p.allMs)} | ${p.allBytes} | ${fmtMs(p.entrypointMs)} | ${p.entrypointBytes} | ${fmtMs(p.pullMs)} |`);
    lines.push('');
  }
  lines.push('## Method', '', `- all: ${r.method.all}.`, `- entrypoint: ${r.method.entrypoint}.`, `- pull-based: ${r.method.pullBased}.`, `- lock: ${r.method.lock}.`, '');
  return lines.join('\n');
}
