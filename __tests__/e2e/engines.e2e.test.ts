/**
 * The core cases on every engine people have, each a real dockerd beside the others:
 * Docker 28.5 with the classic image store (what GitHub-hosted runners run), Docker 28.5 with
 * the containerd store, and Docker 26 / buildx 0.13 with the containerd store (self-hosted
 * runners that lag). Core: a two-platform push with default inputs, verify-before-tag, the
 * CLI's layout, and leg → merge. The bundled action runs as a runner runs it; only DOCKER_HOST
 * (and, for Docker 26, the client and buildx plugin) differ.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ENGINES, engineEnv, engineProcessEnv, requireEngine, type EngineName } from '../stack/engines.js';
import { startResultsService, type ResultsService } from '../stack/results-service.js';
import { BASE_CONTEXTS, REGISTRY, ROOT, indexPlatforms, registryManifest, requireRegistry, runAction, uniqueTag, type ActionRun } from './harness.js';

let results: ResultsService;
beforeAll(async () => {
  await requireRegistry();
  results = await startResultsService();
}, 120_000);
afterAll(async () => {
  await results?.stop();
});

const TWO = 'linux/amd64,linux/arm64';
/**
 * The one input beyond the README's example: the docker-container builder's image is looked for
 * on the loopback registry, which does not have it. The pull fails there as it fails on Docker
 * Hub from this machine, but dockerd never resolves a public name (tests talk to loopback only).
 */
const UNPULLABLE_BUILDKIT = 'localhost:5000/moby/buildkit:v0.31.2';
const GO_SOURCES = path.join(ROOT, 'examples', 'go-cross');
const GOARCH_HARDCODED = path.join(ROOT, '__tests__', 'e2e', 'fixtures', 'broken', 'goarch-hardcoded');

function errorsOf(step: ActionRun['main']): string[] {
  return step.stdout.split('\n').filter((l) => l.startsWith('::error'));
}
function warningsOf(step: ActionRun['main']): string[] {
  return step.stdout.split('\n').filter((l) => l.startsWith('::warning'));
}

describe.each(ENGINES.map((e) => [e] as [EngineName]))('%s', (engine) => {
  const env = engineEnv(engine);
  const isClassic = engine.includes('classic');
  const docker = (args: string[]) => execFileSync('docker', args, { encoding: 'utf8', env: engineProcessEnv(engine), stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  const action = (inputs: Record<string, string>, extra: Record<string, string> = {}) => runAction({ network: 'host', 'build-contexts': BASE_CONTEXTS, ...inputs }, { ...env, ...extra });
  const builders = () => docker(['buildx', 'ls']);
  const leftoverLegImages = () => docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']).split('\n').filter((l) => l.startsWith('multiarch-leg-'));
  const repo = `e2e/engines-${engine}`;

  beforeAll(() => requireEngine(engine));

  describe('default inputs: two platforms pushed by digest, verified, tagged', () => {
    const tag = uniqueTag('default');
    let run: ActionRun;
    beforeAll(async () => {
      // The README's first example minus the login, on a runner that has only this engine.
      run = await action({ context: 'examples/go-cross', platforms: TWO, push: 'true', tags: `${REGISTRY}/${repo}:${tag}`, 'buildkit-image': UNPULLABLE_BUILDKIT });
    }, 900_000);

    test('main succeeds; the tag holds an index of both platforms, the one the outputs name', async () => {
      expect({ code: run.main.code, errors: errorsOf(run.main) }).toEqual({ code: 0, errors: [] });
      const index = await registryManifest(repo, tag);
      expect(indexPlatforms(index!.body).sort()).toEqual(['linux/amd64', 'linux/arm64']);
      expect(run.main.outputs.digest).toBe(index!.digest);
      const platforms = JSON.parse(run.main.outputs.platforms!) as { platform: string; verified: boolean }[];
      expect(platforms.map((p) => [p.platform, p.verified])).toEqual([['linux/amd64', true], ['linux/arm64', true]]);
    });

    test('the arm64 image pulled into this engine runs as arm64', () => {
      expect(docker(['run', '--rm', '--network', 'host', '--pull', 'always', '--platform', 'linux/arm64', `${REGISTRY}/${repo}:${tag}`])).toMatch(/linux\/arm64/);
    });

    test('the layers in the registry are compressed', async () => {
      const index = await registryManifest(repo, tag);
      for (const d of index!.body.manifests.filter((m: any) => m.platform?.architecture !== 'unknown')) {
        const m = await registryManifest(repo, d.digest);
        for (const l of m!.body.layers) expect(l.mediaType).toMatch(/tar\+gzip$|tar\.gzip$|tar\+zstd$/);
      }
    });

    test('the summary names the engine, its store and the builder', () => {
      expect(run.main.summary).toMatch(new RegExp(`\\*\\*Engine:\\*\\* Docker ${engine.startsWith('docker26') ? '26' : '28'}\\.\\d+\\.\\d+ \\(${isClassic ? 'classic' : 'containerd'} store`));
      expect(run.main.summary).toMatch(/builder `[^`]+` \((docker|docker-container)/);
      expect(run.main.summary).toMatch(/ · buildx 0\.(13|29)\.\d+/);
    });

    if (isClassic) {
      test('it tried a docker-container builder first, then fell back once, saying what is lost', () => {
        const fallback = warningsOf(run.main).filter((w) => /docker-container builder \(localhost:5000\/moby\/buildkit:v[\d.]+\) could not start/.test(w));
        expect(fallback).toHaveLength(1);
        expect(fallback[0]).toMatch(/attestations \(provenance, SBOM\)/);
        expect(run.main.summary).toContain('legs loaded and read back');
        expect(run.main.summary).toContain('**Not made on this builder:** attestations (provenance, SBOM)');
        expect(run.main.stdout).toMatch(/gzipped here/);
      });

      test('the temporary leg images and the builder main created are gone after post', () => {
        expect(run.post.code).toBe(0);
        // The fallback removed the builder that could not start: post finds it gone, which is no warning.
        expect(warningsOf(run.post)).toEqual([]);
        expect(leftoverLegImages()).toEqual([]);
        const created = JSON.parse(run.main.state.builders ?? '[]') as string[];
        expect(created).toHaveLength(1);
        expect(builders()).not.toContain(created[0]);
      });
    } else {
      test('it reused the engine\'s docker driver, with no warning and nothing created', () => {
        expect(warningsOf(run.main)).toEqual([]);
        expect(JSON.parse(run.main.state.builders ?? '[]')).toEqual([]);
        expect(run.post.code).toBe(0);
      });
    }
  });

  if (isClassic) {
    test('driver docker: the same, without trying a container; load puts the runner\'s platform in the engine', async () => {
      const tag = uniqueTag('docker');
      const ref = `${REGISTRY}/${repo}:${tag}`;
      const run = await action({ context: 'examples/go-cross', platforms: TWO, push: 'true', load: 'true', driver: 'docker', tags: ref });
      expect({ code: run.main.code, errors: errorsOf(run.main) }).toEqual({ code: 0, errors: [] });
      expect(run.main.stdout).not.toMatch(/docker-container/);
      expect(JSON.parse(run.main.state.builders ?? '[]')).toEqual([]);
      expect(indexPlatforms((await registryManifest(repo, tag))!.body).sort()).toEqual(['linux/amd64', 'linux/arm64']);
      expect(run.main.stdout).toContain('linux/amd64 only: the classic image store holds one platform per tag');
      expect(docker(['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', ref]).trim()).toBe('linux/amd64');
      expect(leftoverLegImages()).toEqual([]);
      docker(['image', 'rm', ref]);
    }, 900_000);
  }

  test('verify before tag: a hardcoded GOARCH fails arm64 and moves no tag', async () => {
    const tag = uniqueTag('broken');
    const run = await action({ context: GOARCH_HARDCODED, platforms: TWO, push: 'true', tags: `${REGISTRY}/${repo}:${tag}`, 'build-contexts': `${BASE_CONTEXTS}\nsrc=${GO_SOURCES}`, ...(isClassic ? { driver: 'docker' } : {}) });
    expect(run.main.code).not.toBe(0);
    expect(errorsOf(run.main)).toEqual([expect.stringMatching(/verification failed for linux\/arm64: entrypoint-arch: expected arm64 .*; no tag moved/)]);
    expect(await registryManifest(repo, tag)).toBeUndefined();
    expect(run.main.summary).toContain('Tags (not moved)');
  }, 900_000);

  test('the CLI builds an OCI layout and verifies it', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `cli-${engine}-`));
    try {
      const contexts = BASE_CONTEXTS.split('\n').flatMap((c) => ['--build-context', c]);
      const res = spawnSync(process.execPath, ['bin/multiarch.js', 'build', 'examples/go-cross', '--platforms', TWO, '--network', 'host', ...contexts, '--out', path.join(out, 'image'), '--json', ...(isClassic ? ['--driver', 'docker'] : [])], {
        encoding: 'utf8', env: engineProcessEnv(engine), timeout: 900_000, maxBuffer: 256 * 1024 * 1024
      });
      expect({ code: res.status, stderr: res.status === 0 ? '' : res.stderr.slice(-3000) }).toEqual({ code: 0, stderr: '' });
      const result = JSON.parse(res.stdout);
      expect(result.platforms.map((p: any) => [p.platform, p.verified])).toEqual([['linux/amd64', true], ['linux/arm64', true]]);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 900_000);

  test('leg → merge: each leg pushes by digest, merge verifies and tags', async () => {
    const tag = uniqueTag('modes');
    const ref = `${REGISTRY}/${repo}:${tag}`;
    const runId = String(5_000_000 + Math.floor(Math.random() * 1_000_000));
    const job = (inputs: Record<string, string>) => action({ context: 'examples/go-cross', push: 'true', tags: ref, ...(isClassic ? { driver: 'docker' } : {}), ...inputs }, { ...results.env, GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: '1' });
    const legs = await Promise.all(['linux/amd64', 'linux/arm64'].map((p) => job({ mode: 'leg', platforms: p })));
    expect(legs.map((l) => ({ code: l.main.code, errors: errorsOf(l.main) }))).toEqual([{ code: 0, errors: [] }, { code: 0, errors: [] }]);
    const merge = await job({ mode: 'merge', platforms: TWO });
    expect({ code: merge.main.code, errors: errorsOf(merge.main) }).toEqual({ code: 0, errors: [] });
    const index = await registryManifest(repo, tag);
    expect(indexPlatforms(index!.body).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect((JSON.parse(merge.main.outputs.platforms!) as { digest: string }[]).map((p) => p.digest)).toEqual(legs.map((l) => l.main.outputs.digest));
  }, 1_200_000);
});
