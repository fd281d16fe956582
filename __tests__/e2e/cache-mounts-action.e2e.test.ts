/**
 * The `cache-mounts` input through the bundled action (dist/index.js, run as a runner does), on
 * the real stack: buildx with the docker driver, the real @actions/cache client inside the
 * bundle, and the results-service stand-in for GitHub's Actions cache control plane storing into
 * Azurite.
 *
 * A temp Go project cross-compiles for linux/amd64 and linux/arm64 (its build stage runs on
 * $BUILDPLATFORM, so both legs share one cache mount) with
 * `RUN --mount=type=cache,id=<unique>,target=/root/.cache/go-build … go build -v`. The id is
 * unique to this run of the suite and is given to the action the same way
 * (`cache-mounts: id=<unique>,target=/root/.cache/go-build`), so only this suite's mount records
 * are pruned (by record id), never another suite's on the shared daemon.
 *
 * Run 1 starts cold and saves the mount; BuildKit's copy of the mount is then pruned; run 2 (one
 * source file changed, as in the next commit) restores it and `go build -v` compiles only the
 * changed package. With the cache service answering 503, the action still builds and succeeds,
 * with warnings.
 *
 * RUNNER_TEMP is one fixed directory for every run, as on a real runner: the Actions cache's
 * version is a hash of the cached path (RUNNER_TEMP/multiarch-cache-mounts/…), so a fresh
 * RUNNER_TEMP per run (the harness default) could never restore what an earlier run saved.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execOk } from '../../src/exec.js';
import { startResultsService, type ResultsService } from '../stack/results-service.js';
import { BASE_CONTEXTS, requireRegistry, requireStack, runAction, uniqueTag, type ActionRun } from './harness.js';

const PLATFORMS = ['linux/amd64', 'linux/arm64'];
/** BuildKit cache id: lower case, so it is also a readable part of the cache key. */
const MOUNT_ID = uniqueTag('go-build-action-e2e');
const TARGET = '/root/.cache/go-build';

const DOCKERFILE = `FROM --platform=$BUILDPLATFORM golang:1.19 AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
COPY go.mod main.go ./
RUN --mount=type=cache,id=${MOUNT_ID},target=${TARGET} \\
    echo "mount-files-before: $(find ${TARGET} -type f | wc -l)" && \\
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -v -o /out/app . 2> /tmp/go-build-v; \\
    s=$?; sed 's/^/go-build-v: /' /tmp/go-build-v; exit $s
FROM busybox:1.35
COPY --from=build /out/app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
`;

/** A few standard-library packages that arm64 must compile from source when the cache is cold. */
function mainGo(round: string): string {
  return `package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"text/template"
)

func main() {
	u, _ := url.Parse("https://example.com/a?b=c")
	b, _ := json.Marshal(map[string]string{"host": u.Host, "round": "${round}"})
	t := template.Must(template.New("x").Parse("{{.}}\\n"))
	_ = t.Execute(os.Stdout, string(b))
	fmt.Println("ok")
}
`;
}

let service: ResultsService;
let work: string;
let app: string;
let runnerTemp: string;

beforeAll(async () => {
  // Fails (never skips) without the stack.
  requireStack();
  await requireRegistry();
  service = await startResultsService();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cache-mounts-action-e2e-'));
  app = path.join(work, 'app');
  runnerTemp = path.join(work, 'runner-temp');
  fs.mkdirSync(app);
  fs.mkdirSync(runnerTemp);
  fs.writeFileSync(path.join(app, 'Dockerfile'), DOCKERFILE);
  fs.writeFileSync(path.join(app, 'go.mod'), 'module example.com/mountsaction\n\ngo 1.19\n');
}, 120_000);

afterAll(async () => {
  await pruneOurMounts().catch(() => undefined);
  await service?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function inputs(): Record<string, string> {
  return {
    context: app,
    platforms: PLATFORMS.join(','),
    network: 'host',
    'build-contexts': BASE_CONTEXTS,
    'cache-mounts': `id=${MOUNT_ID},target=${TARGET}`,
    push: 'false'
  };
}

async function run(round: string): Promise<ActionRun> {
  fs.writeFileSync(path.join(app, 'main.go'), mainGo(round));
  // Without ACTIONS_CACHE_URL or GITHUB_SERVER_URL from this process (see results-service.ts).
  const clear: Record<string, string> = {};
  for (const k of Object.keys(process.env)) if (k.startsWith('ACTIONS_') || k === 'GITHUB_SERVER_URL') clear[k] = '';
  return runAction(inputs(), { ...clear, ...service.env, RUNNER_TEMP: runnerTemp });
}

/** A leg's log, as the action prints it in its `Leg <platform> (…) built in …` group. */
function legLog(stdout: string, platform: string): string {
  const start = stdout.indexOf(`::group::Leg ${platform} (`);
  if (start < 0) throw new Error(`no log group for the ${platform} leg in:\n${stdout.slice(-3000)}`);
  const end = stdout.indexOf('::endgroup::', start);
  return stdout.slice(start, end < 0 ? undefined : end);
}

/** The `Restore cache mounts` and `Save cache mounts` groups, for failure messages. */
function cacheGroups(stdout: string): string {
  return [...stdout.matchAll(/^::group::(?:Restore|Save) cache mounts\n[\s\S]*?^::endgroup::$/gm)].map((m) => m[0]).join('\n') || `(no cache mount groups)\n${stdout.slice(-3000)}`;
}

interface GoBuild {
  /** Files in the cache mount when the RUN started. */
  filesBefore: number;
  /** Packages `go build -v` compiled. */
  compiled: string[];
}

function goBuild(stdout: string, platform: string): GoBuild {
  const log = legLog(stdout, platform);
  const before = /^#\d+ [\d.]+ mount-files-before: (\d+)$/m.exec(log);
  if (!before) throw new Error(`the ${platform} leg did not run go build (no mount-files-before line):\n${log.slice(-3000)}`);
  const compiled = [...log.matchAll(/^#\d+ [\d.]+ go-build-v: (\S+)$/gm)].map((m) => m[1]!);
  return { filesBefore: Number(before[1]), compiled };
}

/** `::warning::…` and `::error::…` workflow commands the main step printed. */
function annotations(r: ActionRun, kind: 'warning' | 'error'): string[] {
  return r.main.stdout.split('\n').filter((l) => l.startsWith(`::${kind}`));
}

/** Removes BuildKit's records of this suite's cache mount (its id is unique to this run), nothing else's. */
async function pruneOurMounts(): Promise<number> {
  const du = await execOk('docker', ['buildx', 'du', '--verbose']);
  const ids: string[] = [];
  for (const block of du.stdout.split(/\n(?=ID:)/)) {
    const id = /^ID:\s+(\S+)/m.exec(block)?.[1];
    // `with id "<id>"`, or `with id "<namespace>/<id>"` under BUILDKIT_CACHE_MOUNT_NS.
    if (id && /^Type:\s+exec\.cachemount/m.test(block) && (block.includes(`with id "${MOUNT_ID}"`) || block.includes(`/${MOUNT_ID}"`))) ids.push(id);
  }
  for (const id of ids) await execOk('docker', ['buildx', 'prune', '--force', '--filter', `id=${id}`]);
  return ids.length;
}

describe('cache-mounts through the bundled action, with the results service + Azurite stand-in', () => {
  let run1: ActionRun;
  let savedKey: string;
  let build1: Record<string, GoBuild>;

  test('run 1: nothing to restore; go build compiles cold; the mount is saved', async () => {
    run1 = await run('1');
    expect({ code: run1.main.code, errors: annotations(run1, 'error'), tail: run1.main.code === 0 ? '' : run1.main.stdout.slice(-4000) + run1.main.stderr }).toEqual({ code: 0, errors: [], tail: '' });
    expect(run1.post.code).toBe(0);
    const out = run1.main.stdout;
    expect(out).toContain('::group::Restore cache mounts');
    expect(out).toContain(`cache mount ${MOUNT_ID}: no cache yet (looked for multiarch-mount/v1/`);
    const saved = new RegExp(`^cache mount ${MOUNT_ID}: saved (multiarch-mount/v1/\\S+/${MOUNT_ID}/linux-amd64\\+linux-arm64/[0-9a-f]{16}) \\((\\d+) files, [\\d.]+ (?:KiB|MiB)\\)$`, 'm').exec(out);
    expect({ saved: !!saved, log: saved ? '' : cacheGroups(out) }).toEqual({ saved: true, log: '' });
    savedKey = saved![1]!;

    // The stand-in saw the whole save: reserve, then finalize, for that key.
    const forKey = (method: string) => service.calls.filter((c) => c.method === method && c.request['key'] === savedKey);
    expect(forKey('CreateCacheEntry').map((c) => c.status)).toEqual([200]);
    expect(forKey('FinalizeCacheEntryUpload').map((c) => c.status)).toEqual([200]);
    expect(service.cacheEntries.find((e) => e.key === savedKey)).toMatchObject({ finalized: true, sizeBytes: expect.any(Number) });
    expect(service.cacheEntries.find((e) => e.key === savedKey)!.sizeBytes).toBeGreaterThan(0);

    build1 = Object.fromEntries(PLATFORMS.map((p) => [p, goBuild(out, p)]));
    // The legs share the mount and run at once, so one may see what the other just wrote; the
    // first to look saw it empty.
    expect(Math.min(...PLATFORMS.map((p) => build1[p]!.filesBefore))).toBe(0);
    // arm64's standard library is not prebuilt in this Go: cold, it compiles it.
    expect(build1['linux/arm64']!.compiled).toEqual(expect.arrayContaining(['encoding/json', 'net/url', 'text/template', 'example.com/mountsaction']));
    expect(annotations(run1, 'warning').filter((w) => /cache/i.test(w))).toEqual([]);
  }, 900_000);

  test('BuildKit forgets the mount (only this suite’s records)', async () => {
    // Usually > 0 records go; 0 when a benchmark's `docker buildx prune -af` got there first.
    await pruneOurMounts();
    expect(await pruneOurMounts()).toBe(0);
  }, 120_000);

  test('run 2: the mount is restored and seeded; go build compiles only the changed package', async () => {
    const before = service.calls.length;
    const run2 = await run('2');
    expect({ code: run2.main.code, errors: annotations(run2, 'error'), tail: run2.main.code === 0 ? '' : run2.main.stdout.slice(-4000) + run2.main.stderr }).toEqual({ code: 0, errors: [], tail: '' });
    const out = run2.main.stdout;
    const restored = new RegExp(`^cache mount ${MOUNT_ID}: restored (\\S+) \\((\\d+) files, [\\d.]+ (?:KiB|MiB)\\), seeded into the builder$`, 'm').exec(out);
    expect({ restored: !!restored, log: restored ? '' : cacheGroups(out) }).toEqual({ restored: true, log: '' });
    expect(restored![1]).toBe(savedKey);
    const restoredFiles = Number(restored![2]);
    expect(restoredFiles).toBeGreaterThan(0);
    expect(service.calls.slice(before)).toContainEqual(expect.objectContaining({ method: 'GetCacheEntryDownloadURL', status: 200 }));

    const build2 = Object.fromEntries(PLATFORMS.map((p) => [p, goBuild(out, p)]));
    for (const p of PLATFORMS) {
      // The mount held the restored files before go build started (the other leg may add some).
      expect(build2[p]!.filesBefore).toBeGreaterThanOrEqual(restoredFiles);
      // Only the package whose source changed.
      expect({ platform: p, compiled: build2[p]!.compiled }).toEqual({ platform: p, compiled: ['example.com/mountsaction'] });
    }
    process.stderr.write(
      `cache-mounts-action: restored ${restoredFiles} files; packages compiled run 1 → run 2: ` +
        PLATFORMS.map((p) => `${p} ${build1[p]!.compiled.length} → ${build2[p]!.compiled.length}`).join(', ') +
        `; files in the mount before go build, run 2: ${PLATFORMS.map((p) => build2[p]!.filesBefore).join('/')}\n`
    );
    // The changed package adds files: saved under a new key (or, had nothing changed, not saved again).
    expect(out).toMatch(new RegExp(`^cache mount ${MOUNT_ID}: (saved multiarch-mount/v1/\\S+|unchanged since \\S+ was restored; not saved again)`, 'm'));
    expect(annotations(run2, 'warning').filter((w) => /cache/i.test(w))).toEqual([]);
  }, 900_000);

  test('the cache service unavailable (503s): the action still builds and succeeds, with warnings', async () => {
    service.setUnavailable(true);
    const before = service.calls.length;
    let r: ActionRun;
    try {
      r = await run('unavailable');
    } finally {
      service.setUnavailable(false);
    }
    expect({ code: r.main.code, tail: r.main.code === 0 ? '' : r.main.stdout.slice(-4000) + r.main.stderr }).toEqual({ code: 0, tail: '' });
    expect(r.main.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const out = r.main.stdout;
    // Restore gave up (a miss), the legs built, the save gave up.
    expect(out).toContain(`cache mount ${MOUNT_ID}: no cache yet`);
    for (const p of PLATFORMS) expect(goBuild(out, p).compiled).toEqual(['example.com/mountsaction']);
    const warnings = annotations(r, 'warning');
    expect(warnings).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^::warning::cache mount ${MOUNT_ID}: not saved as \\S+ .*the cache service refused or failed`))]));
    // Caching is an optimisation: nothing about it may show as an error.
    expect(annotations(r, 'error')).toEqual([]);
    const calls = service.calls.slice(before);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.status === 503)).toBe(true);
    process.stderr.write(`cache-mounts-action: service unavailable: ${calls.length} calls answered 503; warnings:\n  ${warnings.join('\n  ')}\n`);
  }, 900_000);
});
