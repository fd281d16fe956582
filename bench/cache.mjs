#!/usr/bin/env node
// `npm run bench:cache` (GitHub issue #5, item 7): what multiarch's two cache features buy on
// the real stack (scripts/stack.sh up), in one run.
//
// (a) Per-platform registry caches. Each example is built for linux/amd64 + linux/arm64 by the
//     action (dist/, run as a runner does) with
//       cache-from: type=registry,ref=localhost:5000/bench/cache:<tag>
//       cache-to:   type=registry,ref=localhost:5000/bench/cache:<tag>,mode=max
//     which the action makes per platform (<tag>-linux-amd64, <tag>-linux-arm64). Then
//     `docker buildx prune -af` empties BuildKit's local cache and the action rebuilds the same
//     source: cached / total Dockerfile steps per platform, from each leg's plain progress.
//     BENCH_CACHE_REBUILDS times with both legs at once (as the action runs them), then once
//     per platform alone (the action with that one platform), a prune before each.
//     Control: the same with ONE shared ref for both platforms (<tag>-shared, no per-platform
//     suffix), built by plain `docker buildx build` argv per platform (run at once, as the legs
//     are), since the action would add the suffix: the legs overwrite each other's cache.
//     Examples: examples/go-cross; bench/go-service with Dockerfile.cross (~350k lines of Go).
//
// (b) Cache mounts restored through the action. A Go project whose Dockerfile compiles with
//     `RUN --mount=type=cache,id=<unique>,target=/root/.cache/go-build go build -v …` (the build
//     stage on $BUILDPLATFORM: both legs share the mount) is built by the action with
//     `cache-mounts: id=<unique>,target=/root/.cache/go-build` against the results-service +
//     Azurite stand-in (__tests__/stack) once to prime the cache. Then one source file changes
//     (the next commit) and, each from a cold BuildKit (`docker buildx prune -af` first), the
//     action builds it with the mount restored (stand-in, same RUNNER_TEMP path as a runner has)
//     and without (no `cache-mounts`, no cache service). Projects: bench/go-service (the same
//     context as `npm run bench:strategy`) and the small program of
//     __tests__/e2e/cache-mounts-action.e2e.test.ts.
//
// Everything that builds or prunes runs holding `flock /tmp/multiarch-bench.lock` (spawned
// with argv; shared with the other benchmarks). `docker buildx prune -af` drops every build
// cache on the daemon, other users' too: tests running at the same time lose their caches
// (they still pass, slower).
//
// Writes bench/results/cache.json and bench/results/cache.md.
// Environment:
//   BENCH_CACHE_ONLY=registry,mounts      sections to run (the other keeps its previous results)
//   BENCH_CACHE_EXAMPLES=go-cross,go-service   examples for (a)
//   BENCH_CACHE_PROJECTS=go-service,small      projects for (b)
//   BENCH_CACHE_REBUILDS=2                (a): prune + rebuild with both legs at once, this many times
//                                         (then once more per platform alone)
//   BENCH_CACHE_ROUNDS=2                  with/without pairs per project in (b) (order alternates; medians)
//   BENCH_CACHE_IDLE_WAIT=300             seconds in all to wait for an idle machine before timed builds of (b)
//   BENCH_LOCK_WAIT=3600                  seconds to wait for /tmp/multiarch-bench.lock
//   BENCH_DIST=dist                       the action bundle to run (copied first)
//   BENCH_CACHE_KEEP=0                    1: keep the temp dir (contexts, logs of every run)
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { renderMarkdown } from './cache/report.mjs';
import { startStandIn } from './cache/stand-in.mjs';
import { annotations, dockerfileSteps, goBuildFacts, legLog, mountLines } from './cache/steps.mjs';
import { ensurePackages, prepareContext } from './lib/go-service.mjs';
import { acquireLock, LOCK_FILE } from './lib/lock.mjs';
import { busyShare, cpuTimes, loadavg, machineFacts, startSampler, waitForIdle } from './lib/machine.mjs';
import { readPrevious, resultFiles, ROOT, writeResults } from './lib/report.mjs';
import { runAction } from './lib/runner.mjs';
import { dockerFacts, REGISTRY, REGISTRY_URL, requireRegistry, sh } from './lib/stack.mjs';
import { median } from './lib/stats.mjs';

const FILES = resultFiles('cache');
const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const CACHE_REPO = 'bench/cache';
const GOLANG_IMAGE = 'localhost:5000/library/golang:1.19';
const BUILD_CONTEXTS = [`golang:1.19=docker-image://${GOLANG_IMAGE}`, 'busybox:1.35=docker-image://localhost:5000/library/busybox:1.35'];
const MOUNT_TARGET = '/root/.cache/go-build';

const int = (v, d) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : d);
const list = (v, d) => (v || d).split(',').map((s) => s.trim()).filter(Boolean);
const ONLY = list(process.env.BENCH_CACHE_ONLY, 'registry,mounts');
const EXAMPLES = list(process.env.BENCH_CACHE_EXAMPLES, 'go-cross,go-service');
const PROJECTS = list(process.env.BENCH_CACHE_PROJECTS, 'go-service,small');
const ROUNDS = Math.max(1, int(process.env.BENCH_CACHE_ROUNDS, 2));
const REBUILDS = Math.max(1, int(process.env.BENCH_CACHE_REBUILDS, 2));
const IDLE_WAIT_MS = int(process.env.BENCH_CACHE_IDLE_WAIT, 300) * 1000;
const LOCK_WAIT = int(process.env.BENCH_LOCK_WAIT, 3600);
const DIST = path.resolve(ROOT, process.env.BENCH_DIST || 'dist');
const KEEP = process.env.BENCH_CACHE_KEEP === '1';
for (const s of ONLY) if (!['registry', 'mounts'].includes(s)) throw new Error(`BENCH_CACHE_ONLY: unknown section ${s} (registry, mounts)`);
for (const e of EXAMPLES) if (!['go-cross', 'go-service'].includes(e)) throw new Error(`BENCH_CACHE_EXAMPLES: unknown example ${e} (go-cross, go-service)`);
for (const p of PROJECTS) if (!['go-service', 'small'].includes(p)) throw new Error(`BENCH_CACHE_PROJECTS: unknown project ${p} (go-service, small)`);

/** One stamp per bench run: fresh registry tags and cache ids, so no earlier run's cache can answer. */
const STAMP = Date.now().toString(36);
const t0 = performance.now();
const log = (m) => process.stderr.write(`[bench:cache ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
const r1 = (v) => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 10) / 10 : null);
const r2 = (v) => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 100) / 100 : null);
const problems = [];

// ---------------------------------------------------------------------------------- preflight

async function preflight() {
  const machine = machineFacts();
  if (!process.version.startsWith('v24.')) log(`warning: Node ${process.version}; the action runs on node24 (npm run puts the repository's Node 24 first on PATH)`);
  Object.assign(machine, dockerFacts());
  await requireRegistry();
  try {
    sh('flock', ['--version']);
  } catch {
    throw new Error('flock (util-linux) is needed for the shared benchmark lock');
  }
  return machine;
}

const ACCEPT = 'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

async function manifestExists(repo, ref) {
  const res = await fetch(`${REGISTRY_URL}/v2/${repo}/manifests/${ref}`, { method: 'HEAD', headers: { Accept: ACCEPT } });
  return res.status === 200;
}

/**
 * A private copy of the bundle (dist/ with its chunks), taken once nothing in it has changed for
 * 3 s: a concurrent `npm run build` rewrites dist/ and must not mix two bundles into one run.
 */
async function snapshotDist(tmp) {
  const newest = () => {
    let t = 0;
    for (const f of fs.readdirSync(DIST, { recursive: true })) {
      try {
        t = Math.max(t, fs.statSync(path.join(DIST, f)).mtimeMs);
      } catch {
        // removed while we looked
      }
    }
    return t;
  };
  for (let i = 0; ; i++) {
    if (fs.existsSync(path.join(DIST, 'index.js')) && Date.now() - newest() > 3000) break;
    if (i === 0) log(`${path.relative(ROOT, DIST)}/ is being written (a build in progress?); waiting for it to settle…`);
    if (i > 60) throw new Error(`${DIST}/index.js missing or still changing after 3 min`);
    await new Promise((r) => setTimeout(r, 3000));
  }
  const dest = path.join(tmp, 'dist');
  fs.cpSync(DIST, dest, { recursive: true });
  const bytes = fs.readFileSync(path.join(dest, 'index.js'));
  return {
    script: path.join(dest, 'index.js'),
    source: path.relative(ROOT, DIST) || DIST,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    newestFileAt: new Date(newest()).toISOString(),
    takenAt: Date.now()
  };
}

// ---------------------------------------------------------------------------------- running

let BUNDLE;
let BUILDER = 'default';

/** ACTIONS_* from this process must not reach a run that should not see the stand-in (e.g. when the bench itself runs in Actions). */
function clearActionsEnv() {
  const out = {};
  for (const k of Object.keys(process.env)) if (k.startsWith('ACTIONS_') || k === 'GITHUB_SERVER_URL') out[k] = '';
  return out;
}

/** The action, main then post, as a runner runs it; throws with the log's tail when main fails. */
async function action(inputs, extraEnv = {}, label = 'action') {
  const r = await runAction({ root: ROOT, script: BUNDLE.script, actionYml: path.join(ROOT, 'action.yml'), inputs, extraEnv: { ...clearActionsEnv(), ...extraEnv } });
  if (!extraEnv.RUNNER_TEMP) fs.rmSync(r.runnerTemp, { recursive: true, force: true });
  const main = r.main;
  if (main.code !== 0) {
    const errs = annotations(main.stdout, 'error').join('\n');
    throw new Error(`${label}: main exited ${main.code}\n${errs}\n${main.stdout.slice(-3000)}${main.stderr.slice(-1500)}`);
  }
  let platforms = [];
  try {
    platforms = JSON.parse(main.outputs.platforms ?? '[]');
  } catch {
    // reported below as missing leg times
  }
  const legs = Object.fromEntries(platforms.map((p) => [p.platform, { strategy: p.strategy, startedAt: Date.parse(p.startedAt), durationMs: p.durationMs, verified: p.verified }]));
  const starts = Object.values(legs).map((l) => l.startedAt).filter(Number.isFinite);
  const ends = Object.values(legs).map((l) => l.startedAt + l.durationMs).filter(Number.isFinite);
  const group = (re) => {
    const g = main.groups.find((x) => re.test(x.name));
    return g && g.end ? g.end - g.start : null;
  };
  return {
    stdout: main.stdout,
    wallMs: main.wallMs,
    legs,
    legsSpanMs: starts.length ? Math.max(...ends) - Math.min(...starts) : null,
    restoreGroupMs: group(/^Restore cache mounts$/),
    saveGroupMs: group(/^Save cache mounts$/),
    warnings: annotations(main.stdout, 'warning'),
    postCode: r.post.code
  };
}

/** Spawn and time a command (argv, no shell). */
function timed(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, wallMs: performance.now() - start, endedAt: Date.now(), stdout, stderr }));
  });
}

function prune() {
  const s = performance.now();
  sh('docker', ['buildx', 'prune', '--builder', BUILDER, '--all', '--force'], { timeout: 600_000 });
  return Math.round(performance.now() - s);
}

// ---------------------------------------------------------------------------------- (a) registry

function exampleSpec(key, tmp) {
  if (key === 'go-cross') return { key, label: 'examples/go-cross', context: path.join(ROOT, 'examples/go-cross'), file: undefined };
  return { key, label: 'bench/go-service, Dockerfile.cross', context: path.join(tmp, 'ctx'), file: path.join(ROOT, 'bench/go-service/Dockerfile.cross') };
}

function registryInputs(ex, ref) {
  return {
    context: ex.context,
    ...(ex.file ? { file: ex.file } : {}),
    platforms: PLATFORMS.join(','),
    network: 'host',
    'build-contexts': BUILD_CONTEXTS.join('\n'),
    'cache-from': `type=registry,ref=${ref}`,
    'cache-to': `type=registry,ref=${ref},mode=max`,
    push: 'false'
  };
}

function perPlatformSteps(logs, legMs) {
  return Object.fromEntries(
    Object.keys(logs).map((p) => {
      const st = dockerfileSteps(logs[p]);
      return [p, { ...st, ratio: st.steps ? r2(st.cached / st.steps) : null, legMs: legMs[p] ?? null }];
    })
  );
}

/**
 * After the first build: REBUILDS × (prune, rebuild with both legs at once), then prune and
 * rebuild one platform alone, prune and the other alone. `build(platforms, label)` returns
 * `{ steps: {platform: …}, wallMs }`.
 */
async function rebuilds(ex, kind, build) {
  const together = [];
  for (let i = 1; i <= REBUILDS; i++) {
    const pruneMs = prune();
    const r = await build(PLATFORMS, `rebuild ${i}`);
    together.push({ pruneMs, ...r });
    log(`(a) ${ex.key} ${kind}: rebuild ${i}/${REBUILDS} (legs at once, after a prune): ${PLATFORMS.map((p) => `${p} ${r.steps[p].cached}/${r.steps[p].steps}`).join(', ')}`);
  }
  const alone = {};
  for (const p of PLATFORMS) {
    const pruneMs = prune();
    const r = await build([p], `alone ${p}`);
    alone[p] = { pruneMs, ...r.steps[p], wallMs: r.wallMs };
  }
  log(`(a) ${ex.key} ${kind}: one leg at a time (a prune before each): ${PLATFORMS.map((p) => `${p} ${alone[p].cached}/${alone[p].steps}`).join(', ')}`);
  return { together, alone };
}

/** The action's per-platform refs. */
async function registryPerPlatform(ex) {
  const tag = `${STAMP}-${ex.key}`;
  const ref = `${REGISTRY}/${CACHE_REPO}:${tag}`;
  log(`(a) ${ex.key}: per-platform refs (${ref}-linux-*): first build, exporting…`);
  const build = async (platforms, label) => {
    const r = await action({ ...registryInputs(ex, ref), platforms: platforms.join(',') }, {}, `${ex.key} per-platform ${label}`);
    const logs = Object.fromEntries(platforms.map((p) => [p, legLog(r.stdout, p)]));
    const legMs = Object.fromEntries(platforms.map((p) => [p, r.legs[p]?.durationMs ?? null]));
    return { wallMs: Math.round(r.wallMs), legsSpanMs: r.legsSpanMs, steps: perPlatformSteps(logs, legMs) };
  };
  const first = await build(PLATFORMS, 'first build');
  const refs = {
    [`${tag}-linux-amd64`]: await manifestExists(CACHE_REPO, `${tag}-linux-amd64`),
    [`${tag}-linux-arm64`]: await manifestExists(CACHE_REPO, `${tag}-linux-arm64`),
    [tag]: await manifestExists(CACHE_REPO, tag)
  };
  return {
    how: 'the action (dist/, push: false); it makes the ref per platform',
    cacheFrom: `type=registry,ref=${ref}`,
    cacheTo: `type=registry,ref=${ref},mode=max`,
    refsInRegistry: refs,
    first,
    ...(await rebuilds(ex, 'per-platform', build))
  };
}

function sharedArgs(ex, ref, platform, dest) {
  const args = ['buildx', 'build', '--builder', BUILDER, '--progress', 'plain', '--platform', platform];
  if (ex.file) args.push('--file', ex.file);
  args.push('--output', `type=oci,tar=false,dest=${dest}`, '--network', 'host');
  for (const bc of BUILD_CONTEXTS) args.push('--build-context', bc);
  args.push('--cache-from', `type=registry,ref=${ref}`, '--cache-to', `type=registry,ref=${ref},mode=max`, ex.context);
  return args;
}

/** Plain buildx, one invocation per platform, all at once (as legs run), to one shared ref. */
async function sharedLegs(ex, ref, platforms, label, tmp) {
  const runs = await Promise.all(
    platforms.map((p) => {
      const dest = path.join(tmp, 'oci', `${ex.key}-shared-${label.replace(/\W+/g, '-')}-${p.replace(/\//g, '-')}`);
      const args = sharedArgs(ex, ref, p, dest);
      return timed('docker', args).then((r) => ({ ...r, args, dest }));
    })
  );
  for (const [i, r] of runs.entries()) {
    fs.rmSync(r.dest, { recursive: true, force: true });
    if (r.code !== 0) throw new Error(`${ex.key} shared ${label} ${platforms[i]}: docker buildx build exited ${r.code}\n${r.stderr.slice(-3000)}`);
  }
  return Object.fromEntries(platforms.map((p, i) => [p, runs[i]]));
}

async function registryShared(ex, tmp) {
  const tag = `${STAMP}-${ex.key}-shared`;
  const ref = `${REGISTRY}/${CACHE_REPO}:${tag}`;
  log(`(a) ${ex.key}: control, one shared ref (${ref}) with plain buildx: first build, exporting…`);
  let exitOrder;
  const build = async (platforms, label) => {
    const runs = await sharedLegs(ex, ref, platforms, label, tmp);
    if (label === 'first build') exitOrder = platforms.slice().sort((a, b) => runs[a].endedAt - runs[b].endedAt);
    const steps = perPlatformSteps(Object.fromEntries(platforms.map((p) => [p, runs[p].stderr])), Object.fromEntries(platforms.map((p) => [p, Math.round(runs[p].wallMs)])));
    return { wallMs: Math.round(Math.max(...platforms.map((p) => runs[p].wallMs))), steps };
  };
  const first = await build(PLATFORMS, 'first build');
  const refs = {
    [tag]: await manifestExists(CACHE_REPO, tag),
    [`${tag}-linux-amd64`]: await manifestExists(CACHE_REPO, `${tag}-linux-amd64`),
    [`${tag}-linux-arm64`]: await manifestExists(CACHE_REPO, `${tag}-linux-arm64`)
  };
  return {
    how: 'plain `docker buildx build` per platform, run at once (as the legs are), the same ref for both (no per-platform suffix)',
    argv: sharedArgs(ex, ref, '<platform>', '<dir>').join(' '),
    refsInRegistry: refs,
    // The export that finishes last wins the tag; exit order is the proxy.
    exitOrder,
    exportedLast: exitOrder[exitOrder.length - 1],
    first,
    ...(await rebuilds(ex, 'shared', build))
  };
}

// ---------------------------------------------------------------------------------- (b) mounts

const SMALL_MAIN = (n) => `package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"text/template"
)

func main() {
	u, _ := url.Parse("https://example.com/a?b=c")
	b, _ := json.Marshal(map[string]string{"host": u.Host, "edit": "${n}"})
	t := template.Must(template.New("x").Parse("{{.}}\\n"))
	_ = t.Execute(os.Stdout, string(b))
	fmt.Println("ok")
}
`;

/** The RUN prints what the bench reads back: files in the mount before go build, and each package compiled. */
function mountRun(id, goBuild) {
  return (
    `RUN --mount=type=cache,id=${id},target=${MOUNT_TARGET} \\\n` +
    `    echo "mount-files-before: $(find ${MOUNT_TARGET} -type f | wc -l)" && \\\n` +
    `    ${goBuild} 2> /tmp/go-build-v; \\\n` +
    `    s=$?; sed 's/^/go-build-v: /' /tmp/go-build-v; exit $s`
  );
}

function mountProject(key, tmp) {
  const id = `bench-go-build-${STAMP}-${key}`;
  if (key === 'small') {
    const dir = path.join(tmp, 'small');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'go.mod'), 'module example.com/benchcache\n\ngo 1.19\n');
    const dockerfile = [
      'FROM --platform=$BUILDPLATFORM golang:1.19 AS build',
      'ARG TARGETOS TARGETARCH',
      'WORKDIR /src',
      'COPY go.mod main.go ./',
      mountRun(id, 'CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -v -o /out/app .'),
      'FROM busybox:1.35',
      'COPY --from=build /out/app /usr/local/bin/app',
      'ENTRYPOINT ["/usr/local/bin/app"]',
      ''
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
    return {
      key,
      label: 'small Go program (5 std imports; the e2e test’s project)',
      id,
      context: dir,
      file: undefined,
      dockerfile,
      marker: '/out/app',
      edit: (n) => fs.writeFileSync(path.join(dir, 'main.go'), SMALL_MAIN(n)),
      editNote: 'main.go rewritten with a different string constant'
    };
  }
  // bench/go-service: Dockerfile.cross with the compile's go-build cache in a cache mount.
  const ctx = path.join(tmp, 'ctx');
  const file = path.join(tmp, 'Dockerfile.go-service-mounts');
  const dockerfile = [
    '# bench/go-service/Dockerfile.cross with the go build cache in a cache mount (bench:cache).',
    'FROM --platform=$BUILDPLATFORM golang:1.19 AS build',
    'ARG TARGETOS TARGETARCH',
    'ENV CGO_ENABLED=0 GO111MODULE=off GOPATH=/go',
    'COPY src/ /go/src/',
    'WORKDIR /go/src/catalog',
    mountRun(id, 'GOOS=$TARGETOS GOARCH=$TARGETARCH go build -v -ldflags "-s -w" -o /out/catalog .'),
    '',
    'FROM busybox:1.35',
    'COPY --from=build /out/catalog /usr/local/bin/catalog',
    'EXPOSE 8080',
    'ENTRYPOINT ["/usr/local/bin/catalog"]',
    'CMD ["serve"]',
    ''
  ].join('\n');
  fs.writeFileSync(file, dockerfile);
  const mainGo = path.join(ctx, 'src/catalog/main.go');
  const original = fs.readFileSync(mainGo, 'utf8');
  return {
    key,
    label: 'bench/go-service (~350k lines of Go, GOPATH mode)',
    id,
    context: ctx,
    file,
    dockerfile,
    marker: '/out/catalog',
    edit: (n) => fs.writeFileSync(mainGo, n === 0 ? original : `${original}\n// bench:cache edit ${n}\n`),
    editNote: 'a comment appended to src/catalog/main.go (the service package recompiles; every library is unchanged)'
  };
}

function mountInputs(proj, withMount) {
  return {
    context: proj.context,
    ...(proj.file ? { file: proj.file } : {}),
    platforms: PLATFORMS.join(','),
    network: 'host',
    'build-contexts': BUILD_CONTEXTS.join('\n'),
    push: 'false',
    ...(withMount ? { 'cache-mounts': `id=${proj.id},target=${MOUNT_TARGET}` } : {})
  };
}

function mountRunFacts(r, proj, standIn) {
  const lines = mountLines(r.stdout, proj.id);
  const perPlatform = Object.fromEntries(
    PLATFORMS.map((p) => {
      const f = goBuildFacts(legLog(r.stdout, p));
      return [p, { ...f, legMs: r.legs[p]?.durationMs ?? null, strategy: r.legs[p]?.strategy, verified: r.legs[p]?.verified }];
    })
  );
  const entry = (key) => standIn.cacheEntries.find((e) => e.key === key);
  return {
    wallMs: Math.round(r.wallMs),
    legsSpanMs: r.legsSpanMs,
    restoreGroupMs: r.restoreGroupMs,
    saveGroupMs: r.saveGroupMs,
    perPlatform,
    mount: {
      ...lines,
      restoredArchiveBytes: lines.restoredKey ? entry(lines.restoredKey)?.sizeBytes ?? null : null,
      savedArchiveBytes: lines.savedKey ? entry(lines.savedKey)?.sizeBytes ?? null : null
    },
    warnings: r.warnings
  };
}

async function timedMountRun(proj, way, round, tmp, standIn, runnerTemp, idle) {
  const pruneMs = prune();
  const idleCheck = await waitForIdle([tmp], { maxMs: idle.budget, log });
  idle.budget = Math.max(0, idle.budget - idleCheck.waitedMs);
  log(`(b) ${proj.key} ${way}${round ? ` (round ${round})` : ''}: cold BuildKit (pruned in ${(pruneMs / 1000).toFixed(1)} s), machine ${idleCheck.idle ? 'idle' : `NOT idle (CPU ${idleCheck.cpuBusy} %)`}; building…`);
  const stop = startSampler([tmp], 2000, proj.marker);
  const withMount = way !== 'without';
  const env = withMount ? { ...standIn.env, RUNNER_TEMP: runnerTemp } : {};
  let r;
  let during;
  try {
    r = await action(mountInputs(proj, withMount), env, `${proj.key} ${way}`);
  } finally {
    during = await stop();
  }
  const facts = { way, round, pruneMs, idleBefore: idleCheck, during, ...mountRunFacts(r, proj, standIn) };
  log(
    `(b) ${proj.key} ${way}: main ${(facts.wallMs / 1000).toFixed(1)} s, legs ${(facts.legsSpanMs / 1000).toFixed(1)} s; ` +
      PLATFORMS.map((p) => `${p} RUN ${facts.perPlatform[p].runSeconds ?? '–'} s, ${facts.perPlatform[p].packagesCompiled ?? '–'} pkgs`).join('; ') +
      (facts.restoreGroupMs !== null ? `; restore ${(facts.restoreGroupMs / 1000).toFixed(1)} s, save ${((facts.saveGroupMs ?? 0) / 1000).toFixed(1)} s` : '')
  );
  return facts;
}

async function mountsBench(proj, tmp, standIn, idle) {
  const runnerTemp = path.join(tmp, `runner-temp-${proj.key}`);
  fs.mkdirSync(runnerTemp, { recursive: true });
  // Prime: cold, nothing to restore; saves the mount.
  proj.edit(0);
  const pruneMs = prune();
  log(`(b) ${proj.key}: priming the Actions cache (cold build, saves the mount ${proj.id})…`);
  const primeRun = await action(mountInputs(proj, true), { ...standIn.env, RUNNER_TEMP: runnerTemp }, `${proj.key} prime`);
  const prime = { pruneMs, ...mountRunFacts(primeRun, proj, standIn) };
  if (!prime.mount.savedKey) problems.push(`(b) ${proj.key}: the priming run did not save the mount: ${prime.mount.notes.join(' | ') || 'no cache mount lines'}`);
  log(`(b) ${proj.key}: primed in ${(prime.wallMs / 1000).toFixed(1)} s: ${prime.mount.savedKey ? `saved ${prime.mount.savedFiles} files, ${prime.mount.savedSize} (archive ${fmtBytes(prime.mount.savedArchiveBytes)}), save took ${(prime.saveGroupMs / 1000).toFixed(1)} s` : prime.mount.notes.join(' | ')}`);

  const runs = { with: [], without: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    proj.edit(round);
    for (const way of round % 2 ? ['with', 'without'] : ['without', 'with']) {
      runs[way].push(await timedMountRun(proj, way, round, tmp, standIn, runnerTemp, idle));
    }
  }
  proj.edit(0);
  const med = (way, f) => median(runs[way].map(f));
  const summary = {};
  for (const way of ['with', 'without']) {
    summary[way] = {
      wallMs: med(way, (r) => r.wallMs),
      wallSamplesMs: runs[way].map((r) => r.wallMs),
      legsSpanSamplesMs: runs[way].map((r) => r.legsSpanMs),
      legsSpanMs: med(way, (r) => r.legsSpanMs),
      restoreGroupMs: med(way, (r) => r.restoreGroupMs),
      saveGroupMs: med(way, (r) => r.saveGroupMs),
      perPlatform: Object.fromEntries(
        PLATFORMS.map((p) => [
          p,
          {
            runSeconds: med(way, (r) => r.perPlatform[p].runSeconds),
            legMs: med(way, (r) => r.perPlatform[p].legMs),
            packagesCompiled: med(way, (r) => r.perPlatform[p].packagesCompiled),
            filesBefore: med(way, (r) => r.perPlatform[p].filesBefore)
          }
        ])
      )
    };
  }
  const speedup = (a, b) => (a && b ? r2(a / b) : null);
  const w = summary.with;
  const wo = summary.without;
  const speedups = {
    wall: speedup(wo.wallMs, w.wallMs),
    legsSpan: speedup(wo.legsSpanMs, w.legsSpanMs),
    legsSpanPlusRestoreAndSave: speedup(wo.legsSpanMs, w.legsSpanMs + (w.restoreGroupMs ?? 0) + (w.saveGroupMs ?? 0)),
    runStep: Object.fromEntries(PLATFORMS.map((p) => [p, speedup(wo.perPlatform[p].runSeconds, w.perPlatform[p].runSeconds)]))
  };
  for (const r of runs.with) {
    if (!r.mount.restoredKey || !r.mount.seeded) problems.push(`(b) ${proj.key} with, round ${r.round}: the mount was not restored and seeded: ${r.mount.notes.join(' | ')}`);
    if (r.warnings.length) problems.push(`(b) ${proj.key} with, round ${r.round}: warnings: ${r.warnings.join(' | ')}`);
  }
  return { label: proj.label, cacheId: proj.id, cacheMountsInput: `id=${proj.id},target=${MOUNT_TARGET}`, dockerfile: proj.dockerfile, edit: proj.editNote, prime, runs, summary, speedups };
}

function fmtBytes(b) {
  if (typeof b !== 'number') return '–';
  return b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} KiB`;
}

// ---------------------------------------------------------------------------------- main

async function main() {
  const machine = await preflight();
  BUILDER = machine.builder;
  const previous = readPrevious(FILES);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'multiarch-bench-cache-'));
  let standIn;
  cleanups.push(async () => {
    await standIn?.stop();
    if (!KEEP) fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 });
  });
  const results = { generatedAt: undefined, command: 'npm run bench:cache', stamp: STAMP, platforms: PLATFORMS, machine, env: { BENCH_CACHE_ONLY: ONLY.join(','), BENCH_CACHE_EXAMPLES: EXAMPLES.join(','), BENCH_CACHE_PROJECTS: PROJECTS.join(','), BENCH_CACHE_ROUNDS: ROUNDS, BENCH_CACHE_REBUILDS: REBUILDS } };
  try {
    BUNDLE = await snapshotDist(tmp);
    machine.bundle = { source: BUNDLE.source, bytes: BUNDLE.bytes, sha256: BUNDLE.sha256, newestFileAt: BUNDLE.newestFileAt };
    const needService = (ONLY.includes('registry') && EXAMPLES.includes('go-service')) || (ONLY.includes('mounts') && PROJECTS.includes('go-service'));
    if (needService) {
      const pkgs = ensurePackages(log);
      log('preparing the go-service build context (go list -deps in the golang image, then copying the packages)…');
      const c = prepareContext({ serviceDir: path.join(ROOT, 'bench/go-service'), ctxDir: path.join(tmp, 'ctx'), image: GOLANG_IMAGE, log });
      results.goService = { context: { packages: c.packages, files: c.files, bytes: c.bytes }, linesArm64: c.counts.arm64.lines, debianPackages: pkgs.packages };
    }
    if (ONLY.includes('mounts')) {
      standIn = await startStandIn();
      log(`results-service stand-in at ${standIn.url} (Azurite at ${standIn.storage.blobEndpoint})`);
    }

    // ---------------------------------------------------------------- locked: builds and prunes
    const lock = await acquireLock(LOCK_WAIT, log);
    const loadBefore = loadavg();
    const cpu0 = cpuTimes();
    const sections = {};
    try {
      if (ONLY.includes('registry')) {
        const c = cpuTimes();
        const s = performance.now();
        results.registry = { generatedAt: new Date().toISOString(), examples: {} };
        for (const key of EXAMPLES) {
          const ex = exampleSpec(key, tmp);
          const entry = { label: ex.label };
          try {
            entry.perPlatform = await registryPerPlatform(ex);
          } catch (err) {
            entry.perPlatformError = err.message.slice(0, 4000);
            problems.push(`(a) ${key} per-platform: ${err.message.split('\n')[0]}`);
            log(`(a) ${key} per-platform FAILED: ${err.message.slice(0, 2000)}`);
          }
          try {
            entry.shared = await registryShared(ex, tmp);
          } catch (err) {
            entry.sharedError = err.message.slice(0, 4000);
            problems.push(`(a) ${key} shared: ${err.message.split('\n')[0]}`);
            log(`(a) ${key} shared FAILED: ${err.message.slice(0, 2000)}`);
          }
          results.registry.examples[key] = entry;
        }
        sections.registry = { ms: Math.round(performance.now() - s), cpuBusy: r1(busyShare(c, cpuTimes()) * 100) };
      }
      if (ONLY.includes('mounts')) {
        const c = cpuTimes();
        const s = performance.now();
        const idle = { budget: IDLE_WAIT_MS };
        results.mounts = { generatedAt: new Date().toISOString(), projects: {} };
        for (const key of PROJECTS) {
          try {
            results.mounts.projects[key] = await mountsBench(mountProject(key, tmp), tmp, standIn, idle);
          } catch (err) {
            results.mounts.projects[key] = { error: err.message.slice(0, 4000) };
            problems.push(`(b) ${key}: ${err.message.split('\n')[0]}`);
            log(`(b) ${key} FAILED: ${err.message.slice(0, 2000)}`);
          }
        }
        sections.mounts = { ms: Math.round(performance.now() - s), cpuBusy: r1(busyShare(c, cpuTimes()) * 100) };
      }
    } finally {
      await lock.release();
    }
    results.conditions = {
      lock: { file: LOCK_FILE, waitedMs: lock.waitedMs },
      loadavgBefore: loadBefore,
      loadavgAfter: loadavg(),
      cpuBusyWhileLocked: r1(busyShare(cpu0, cpuTimes()) * 100),
      sections,
      prune: '`docker buildx prune --all --force` on the builder before every rebuild/cold build (drops every build cache on the daemon)'
    };
    if (!ONLY.includes('registry') && previous.registry) results.registry = { ...previous.registry, keptFromPreviousRun: true };
    if (!ONLY.includes('mounts') && previous.mounts) results.mounts = { ...previous.mounts, keptFromPreviousRun: true };
    const distNow = fs.existsSync(path.join(DIST, 'index.js')) ? createHash('sha256').update(fs.readFileSync(path.join(DIST, 'index.js'))).digest('hex') : null;
    if (distNow !== BUNDLE.sha256) machine.bundle.changedDuringRun = `${path.relative(ROOT, DIST)}/index.js changed during the run (now ${distNow ? distNow.slice(0, 16) : 'missing'}); this run used the copy taken at its start`;
  } finally {
    await standIn?.stop().catch(() => undefined);
    if (KEEP) log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  results.generatedAt = new Date().toISOString();
  results.durationMs = Math.round(performance.now() - t0);
  results.problems = problems;
  log(`wrote ${writeResults(FILES, results, renderMarkdown(results)).join(' and ')}`);
  for (const [key, p] of Object.entries(results.mounts?.projects ?? {})) {
    if (p.speedups) log(`(b) ${key}: without ${(p.summary.without.wallMs / 1000).toFixed(1)} s, with ${(p.summary.with.wallMs / 1000).toFixed(1)} s → ×${p.speedups.wall} (main step), ×${p.speedups.legsSpan} (legs)`);
  }
  if (problems.length) {
    log(`problems:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  }
}

/** This process's direct children (the action, docker, flock, Azurite), from /proc. */
function childPids() {
  const out = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

/**
 * Terminated (SIGTERM, Ctrl-C): stop the stand-in (Azurite is a child process), signal the other
 * children this process started (a running action, a plain buildx build; flock lets go of the
 * lock when its stdin closes), then remove the temp dir.
 */
const cleanups = [];
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    log(`${sig}: cleaning up and exiting`);
    for (const pid of childPids()) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    const done = () => process.exit(sig === 'SIGINT' ? 130 : 143);
    setTimeout(done, 15_000).unref();
    (async () => {
      await new Promise((r) => setTimeout(r, 1000));
      for (const f of cleanups) await f().catch(() => undefined);
    })().finally(done);
  });
}

main().catch((err) => {
  log(`error: ${err.stack || err.message}`);
  process.exitCode = 1;
});
