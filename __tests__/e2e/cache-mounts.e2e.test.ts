/**
 * cache-mounts end to end: real buildx (docker driver), the real @actions/cache client, and the
 * results-service stand-in for GitHub's Actions control plane storing into Azurite.
 *
 * A Go build with `RUN --mount=type=cache,target=/root/.cache/go-build` runs for linux/amd64 and
 * linux/arm64 (cross-compiled, so the mount is shared by both legs). Run 1 starts cold and saves
 * the mount; then BuildKit's copy of the mount is pruned; run 2 restores it, and the build finds
 * the files in the mount before it starts and compiles fewer packages.
 *
 * The legs here are plain `buildx build`s standing in for the pipeline's (the hook calls are
 * wired into pipeline.ts separately). Every build gets a BUILDKIT_CACHE_MOUNT_NS of its own, so
 * this suite's mounts never meet another suite's on the shared daemon and only they are pruned;
 * a per-build nonce makes the RUN execute every time instead of coming from the build cache.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ACTIONS_CACHE, cacheMountRun, restoreCacheMounts, saveCacheMounts, type CacheMountRun, type RestoredCacheMounts } from '../../src/cache/dance.js';
import { execOk } from '../../src/exec.js';
import type { Config } from '../../src/types/config.js';
import { startResultsService, type ResultsService } from '../stack/results-service.js';
import { BASE_CONTEXTS, requireRegistry, requireStack, uniqueTag } from './harness.js';

const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const NS = uniqueTag('multiarch-e2e-mounts');

const DOCKERFILE = `FROM --platform=$BUILDPLATFORM golang:1.19 AS build
ARG TARGETOS TARGETARCH RUN_NONCE
WORKDIR /src
COPY go.mod main.go ./
RUN --mount=type=cache,target=/root/.cache/go-build \\
    mkdir -p /out && echo "$RUN_NONCE" > /out/nonce && \\
    find /root/.cache/go-build -type f | wc -l > /out/files-before && \\
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -v -o /out/app . 2> /out/compiled
FROM scratch
COPY --from=build /out/ /
`;

const MAIN_GO = `package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"text/template"
)

func main() {
	u, _ := url.Parse("https://example.com/a?b=c")
	b, _ := json.Marshal(map[string]string{"host": u.Host})
	t := template.Must(template.New("x").Parse("{{.}}\\n"))
	_ = t.Execute(os.Stdout, string(b))
	fmt.Println("ok")
}
`;

let service: ResultsService;
let work: string;
let builder: string;
const savedEnv = { ...process.env };

class Log {
  infos: string[] = [];
  warnings: string[] = [];
  info(m: string): void {
    this.infos.push(m);
  }
  warning(m: string): void {
    this.warnings.push(m);
  }
}

beforeAll(async () => {
  requireStack();
  await requireRegistry();
  service = await startResultsService();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cache-mounts-e2e-'));
  for (const k of Object.keys(process.env)) if (k.startsWith('ACTIONS_') || k === 'GITHUB_SERVER_URL') delete process.env[k];
  fs.mkdirSync(path.join(work, 'runner-temp'));
  Object.assign(process.env, service.env, { RUNNER_TEMP: path.join(work, 'runner-temp'), GITHUB_WORKSPACE: work });
  fs.mkdirSync(path.join(work, 'app'));
  fs.writeFileSync(path.join(work, 'app', 'Dockerfile'), DOCKERFILE);
  fs.writeFileSync(path.join(work, 'app', 'go.mod'), 'module example.com/mounts\n\ngo 1.19\n');
  fs.writeFileSync(path.join(work, 'app', 'main.go'), MAIN_GO);
  builder = /^Name:\s+(\S+)/m.exec((await execOk('docker', ['buildx', 'inspect'])).stdout)![1]!;
}, 120_000);

afterAll(async () => {
  process.env = savedEnv;
  if (builder) await pruneOurMounts().catch(() => undefined);
  await service?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** The run as the pipeline would make it from its Config (tempDir stays put between runs, as RUNNER_TEMP does). */
function mountRun(): CacheMountRun {
  const config = {
    buildContexts: BASE_CONTEXTS.split('\n'),
    buildArgs: [`BUILDKIT_CACHE_MOUNT_NS=${NS}`],
    network: 'host',
    imageName: 'mounts-e2e',
    cacheScopePrefix: '',
    cacheMounts: ['/root/.cache/go-build'],
    tempDir: path.join(work, 'runner-temp')
  } as Config;
  return cacheMountRun(config, builder, PLATFORMS);
}

interface LegResult {
  filesBefore: number;
  compiled: string[];
}

async function leg(platform: string, round: string): Promise<LegResult> {
  const out = path.join(work, 'out', round, platform.replace(/\//g, '-'));
  const args = ['buildx', 'build', '--builder', builder, '--platform', platform, '--network', 'host', '--progress', 'plain'];
  for (const c of BASE_CONTEXTS.split('\n')) args.push('--build-context', c);
  args.push('--build-arg', `BUILDKIT_CACHE_MOUNT_NS=${NS}`, '--build-arg', `RUN_NONCE=${round}-${Date.now()}`);
  args.push('--output', `type=local,dest=${out}`, '--file', path.join(work, 'app', 'Dockerfile'), path.join(work, 'app'));
  await execOk('docker', args);
  return {
    filesBefore: Number(fs.readFileSync(path.join(out, 'files-before'), 'utf8').trim()),
    compiled: fs.readFileSync(path.join(out, 'compiled'), 'utf8').split('\n').filter(Boolean)
  };
}

async function legs(round: string): Promise<Record<string, LegResult>> {
  const results = await Promise.all(PLATFORMS.map((p) => leg(p, round)));
  return Object.fromEntries(PLATFORMS.map((p, i) => [p, results[i]!]));
}

/** Removes BuildKit's records of this suite's cache mounts (their ids carry NS), nothing else's. */
async function pruneOurMounts(): Promise<number> {
  const du = await execOk('docker', ['buildx', 'du', '--builder', builder, '--verbose']);
  const ids: string[] = [];
  for (const block of du.stdout.split(/\n(?=ID:)/)) {
    const id = /^ID:\s+(\S+)/m.exec(block)?.[1];
    if (id && /^Type:\s+exec\.cachemount/m.test(block) && block.includes(`with id "${NS}/`)) ids.push(id);
  }
  for (const id of ids) await execOk('docker', ['buildx', 'prune', '--builder', builder, '--force', '--filter', `id=${id}`]);
  return ids.length;
}

describe('cache-mounts: the cache dance with real buildx and @actions/cache', () => {
  let firstKey: string;
  let secondRestore: RestoredCacheMounts;
  const rounds: Record<string, Record<string, LegResult>> = {};

  test('run 1: nothing to restore; the legs start cold; the mount is saved', async () => {
    const log = new Log();
    const restored = await restoreCacheMounts(mountRun(), log);
    expect(restored.mounts).toHaveLength(1);
    expect(restored.mounts[0]).toMatchObject({ restoredKey: undefined, seeded: false });

    rounds['1'] = await legs('run1');
    // The legs share the mount and run at once, so a leg may see what the other just wrote; but
    // the first of them to look, before any go build started, saw it empty.
    expect(Math.min(...PLATFORMS.map((p) => rounds['1']![p]!.filesBefore))).toBe(0);
    expect(rounds['1']!['linux/arm64']!.compiled).toEqual(expect.arrayContaining(['encoding/json', 'net/url', 'text/template']));

    const saved = await saveCacheMounts(restored, log);
    expect(saved).toEqual([expect.objectContaining({ id: '/root/.cache/go-build', saved: true })]);
    firstKey = saved[0]!.key!;
    expect(firstKey).toMatch(/^multiarch-mount\/v1\/mounts-e2e\/root-.cache-go-build-[0-9a-f]{8}\/linux-amd64\+linux-arm64\/[0-9a-f]{16}$/);
    expect(saved[0]!.extracted!.files).toBeGreaterThan(0);
    expect(service.cacheEntries.find((e) => e.key === firstKey)).toMatchObject({ finalized: true });
    expect(log.warnings).toEqual([]);
  }, 600_000);

  test('BuildKit forgets the mount', async () => {
    expect(await pruneOurMounts()).toBeGreaterThan(0);
    expect(await pruneOurMounts()).toBe(0);
  }, 120_000);

  test('run 2: the mount is restored and seeded; the build finds its files before it starts and compiles less', async () => {
    const log = new Log();
    secondRestore = await restoreCacheMounts(mountRun(), log);
    const m = secondRestore.mounts[0]!;
    expect(m).toMatchObject({ restoredKey: firstKey, seeded: true });
    expect(m.restored.files).toBeGreaterThan(0);

    rounds['2'] = await legs('run2');
    for (const p of PLATFORMS) {
      // Files only ever get added during a build, and the other leg may add some first.
      expect(rounds['2']![p]!.filesBefore).toBeGreaterThanOrEqual(m.restored.files);
    }
    // arm64's standard library is not prebuilt in this Go: cold, run 1 compiled it all.
    const arm1 = rounds['1']!['linux/arm64']!.compiled;
    const arm2 = rounds['2']!['linux/arm64']!.compiled;
    expect(arm2.length).toBeLessThan(arm1.length);
    expect(arm2).not.toContain('encoding/json');

    const r1 = rounds['1']!;
    const r2 = rounds['2']!;
    process.stderr.write(
      `cache-mounts: restored ${m.restored.files} files; files in the mount before go build: run 1 ${PLATFORMS.map((p) => r1[p]!.filesBefore).join('/')}, ` +
        `run 2 ${PLATFORMS.map((p) => r2[p]!.filesBefore).join('/')} (${PLATFORMS.join('/')}); arm64 packages compiled: run 1 ${arm1.length}, run 2 ${arm2.length}\n`
    );

    const saved = await saveCacheMounts(secondRestore, log);
    process.stderr.write(`cache-mounts: run 2 save: ${saved[0]!.note}\n`);
    // Either nothing changed (same fingerprint: not saved again) or a new key was saved.
    expect(saved[0]!.note).toMatch(/^(unchanged since|saved |.* is already in the cache)/);
    expect(log.warnings).toEqual([]);
  }, 600_000);

  test('a 409 from the service for a key another job saved in between: a warning, the run goes on', async () => {
    const log = new Log();
    // Skip the lookup that normally finds the key first, so the save really reaches CreateCacheEntry.
    const noLookup = { ...ACTIONS_CACHE, restoreCache: async (...a: Parameters<typeof ACTIONS_CACHE.restoreCache>) => (a[3]?.lookupOnly ? undefined : ACTIONS_CACHE.restoreCache(...a)) };
    const state: RestoredCacheMounts = { ...secondRestore, run: { ...secondRestore.run, cache: noLookup }, mounts: secondRestore.mounts.map((m) => ({ ...m, restoredKey: undefined })) };
    const before = service.calls.length;
    const saved = await saveCacheMounts(state, log);
    expect(saved[0]).toMatchObject({ saved: false, note: expect.stringMatching(/refused or failed/) });
    expect(service.calls.slice(before)).toContainEqual(expect.objectContaining({ method: 'CreateCacheEntry', status: 409, error: 'already_exists' }));
    expect(log.warnings).toEqual([expect.stringMatching(/^cache mount \/root\/.cache\/go-build: not saved as /)]);
  }, 300_000);

  test('the cache service unavailable (503s): restore misses, the build still runs, save gives up with a warning', async () => {
    const log = new Log();
    service.setUnavailable(true);
    try {
      const restored = await restoreCacheMounts(mountRun(), log);
      expect(restored.mounts[0]).toMatchObject({ restoredKey: undefined, seeded: false });
      const built = await leg('linux/amd64', 'unavailable');
      expect(built.filesBefore).toBeGreaterThan(0);
      // Make the mount differ from every saved key, so a save is really attempted.
      // (Not --no-cache: that would empty the mount.)
      await execOk('docker', ['buildx', 'build', '--builder', builder, '--network', 'host', '--progress', 'quiet', '--build-context', BASE_CONTEXTS.split('\n')[1]!, '--build-arg', `BUILDKIT_CACHE_MOUNT_NS=${NS}`, '--build-arg', `N=${Date.now()}`, '--output', 'type=cacheonly', '-'], {
        input: Buffer.from('FROM busybox:1.35\nARG N\nRUN --mount=type=cache,id=/root/.cache/go-build,target=/c echo "$N" > /c/touched\n')
      });
      const saved = await saveCacheMounts(restored, log);
      expect(saved[0]).toMatchObject({ saved: false });
      expect(log.warnings).toEqual([expect.stringMatching(/the cache service refused or failed/)]);
      expect(service.calls.filter((c) => c.status === 503).length).toBeGreaterThan(0);
    } finally {
      service.setUnavailable(false);
    }
  }, 400_000);
});
