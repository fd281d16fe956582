/**
 * Issue "Every build-push-action workflow runs unchanged", on the real stack through dist/ as a
 * runner runs it: `call` (check, outline, targets), BPA's DOCKER_BUILD_* switches, metadata-action's
 * outputs as inputs, and a shell-form ENTRYPOINT in a FROM scratch image said in the user's terms.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BASE_CONTEXTS, REGISTRY, REGISTRY_URL, indexPlatforms, registryManifest, requireRegistry, requireStack, runAction, uniqueTag } from './harness.js';

const FIXTURES = path.join('__tests__', 'e2e', 'fixtures', 'bpa');
const TWO = 'linux/amd64,linux/arm64';
const common = { 'build-contexts': BASE_CONTEXTS, network: 'host' };

beforeAll(async () => {
  requireStack();
  await requireRegistry();
});

/** `::warning file=F,line=N::message` lines the runner turns into annotations. */
function annotations(stdout: string): Array<{ file: string; line: number; message: string }> {
  return [...stdout.matchAll(/^::warning file=([^,]+),line=(\d+)::(.*)$/gm)].map((m) => ({ file: m[1]!, line: Number(m[2]), message: m[3]! }));
}

describe('call', () => {
  test('check: warnings on their lines, "Check complete, 2 warnings", nothing built or pushed; the step fails as BPA\'s does', async () => {
    const repo = `bpa-check-${uniqueTag('r')}`;
    const { main } = await runAction({ ...common, context: path.join(FIXTURES, 'checks'), platforms: TWO, call: 'check', push: 'true', tags: `${REGISTRY}/${repo}:1` });
    const file = `${FIXTURES}/checks/Dockerfile`;
    expect(main.stdout).toContain('Check complete, 2 warnings have been found!');
    expect(annotations(main.stdout)).toEqual([
      { file, line: 1, message: expect.stringMatching(/^FromAsCasing: 'as' and 'FROM' keywords' casing do not match/) },
      { file, line: 2, message: expect.stringMatching(/^LegacyKeyValueFormat: "ENV key=value" should be used instead of legacy "ENV key value" format/) }
    ]);
    // buildx exits 1 on any check warning, and BPA fails the step with its first line.
    expect(main.code).toBe(1);
    expect(main.stdout).toContain('::error::Check complete, 2 warnings have been found!');
    expect(main.stdout).toContain('call check builds no image, so nothing is pushed');
    expect(main.stdout).not.toMatch(/Leg linux\//);
    expect(await registryManifest(repo, '1')).toBeUndefined();
    expect(main.summary).toContain('**Called:** `check` for `linux/amd64`, `linux/arm64`');
    expect(main.summary).toContain('| `__tests__/e2e/fixtures/bpa/checks/Dockerfile:1` | [FromAsCasing]');
    expect(JSON.parse(main.outputs.call!).warnings).toHaveLength(2);
    expect(main.outputs.digest).toBeUndefined();
  });

  test('check with # check=error=true fails with buildx\'s error', async () => {
    const { main } = await runAction({ ...common, context: path.join(FIXTURES, 'checks-error'), platforms: 'linux/amd64', call: 'check' });
    expect(main.code).toBe(1);
    expect(main.stdout).toContain('::error::Check complete, 2 warnings have been found! lint violation found for rules: FromAsCasing, LegacyKeyValueFormat');
    // The `# check=` line shifts every line by one.
    expect(annotations(main.stdout).map((a) => `${a.file}:${a.line} ${a.message.split(':')[0]}`)).toEqual([`${FIXTURES}/checks-error/Dockerfile:2 FromAsCasing`, `${FIXTURES}/checks-error/Dockerfile:3 LegacyKeyValueFormat`]);
  });

  test('check on a clean Dockerfile passes; DOCKER_BUILD_SUMMARY=false leaves the summary empty', async () => {
    const { main } = await runAction({ ...common, context: path.join(FIXTURES, 'checks-clean'), platforms: TWO, call: 'check' }, { DOCKER_BUILD_SUMMARY: 'false' });
    expect(main.code).toBe(0);
    expect(main.stdout).toContain('Check complete, no warnings found.');
    expect(main.summary).toBe('');
    expect(JSON.parse(main.outputs.call!)).toEqual({ warnings: [] });
  });

  test('DOCKER_BUILD_CHECKS_ANNOTATIONS=false: the warnings are printed, not annotated', async () => {
    const { main } = await runAction({ ...common, context: path.join(FIXTURES, 'checks'), platforms: 'linux/amd64', call: 'check' }, { DOCKER_BUILD_CHECKS_ANNOTATIONS: 'false' });
    expect(main.stdout).toContain('Check complete, 2 warnings have been found!');
    expect(annotations(main.stdout)).toEqual([]);
    expect(main.code).toBe(1);
  });

  test('outline and targets: printed, in the call output and the summary', async () => {
    const outline = (await runAction({ ...common, context: path.join(FIXTURES, 'checks-clean'), platforms: TWO, call: 'outline', target: 'final' })).main;
    expect(outline.code).toBe(0);
    expect(outline.stdout).toMatch(/GREETING\s+hi/);
    const json = JSON.parse(outline.outputs.call!);
    expect(json.args).toEqual([expect.objectContaining({ name: 'GREETING', value: 'hi' })]);
    expect(json.secrets).toEqual([expect.objectContaining({ name: 'token' })]);
    expect(json.sources).toBeUndefined();
    expect(outline.summary).toContain('**Called:** `outline` for `linux/amd64`');
    const targets = (await runAction({ ...common, context: path.join(FIXTURES, 'checks-clean'), call: 'targets' })).main;
    expect(targets.code).toBe(0);
    expect(JSON.parse(targets.outputs.call!).targets.map((t: { name: string }) => t.name)).toEqual(['build', 'final']);
    expect(targets.summary).toMatch(/```\nTARGET\s+DESCRIPTION/);
  });
});

// BPA's CI job `checks`: an ordinary build of a Dockerfile with check warnings annotates each on
// its line (BPA reads them from buildx's metadata file); `annotations-disabled` turns that off.
describe('build-check warnings of an ordinary build', () => {
  const file = `${FIXTURES}/checks/Dockerfile`;

  test('annotated on their lines, once for both platforms; the build succeeds', async () => {
    const { main } = await runAction({ ...common, context: path.join(FIXTURES, 'checks'), platforms: TWO });
    expect(main.code).toBe(0);
    expect(annotations(main.stdout)).toEqual([
      { file, line: 1, message: expect.stringMatching(/^FromAsCasing: 'as' and 'FROM' keywords' casing do not match/) },
      { file, line: 2, message: expect.stringMatching(/^LegacyKeyValueFormat: "ENV key=value" should be used instead of legacy "ENV key value" format/) }
    ]);
  });

  test('DOCKER_BUILD_CHECKS_ANNOTATIONS=false: none', async () => {
    const { main } = await runAction({ ...common, context: path.join(FIXTURES, 'checks'), platforms: 'linux/amd64' }, { DOCKER_BUILD_CHECKS_ANNOTATIONS: 'false' });
    expect(main.code).toBe(0);
    expect(annotations(main.stdout)).toEqual([]);
  });
});

describe('shell-form ENTRYPOINT in a FROM scratch image (BPA\'s lint.Dockerfile)', () => {
  const context = path.join(FIXTURES, 'scratch-shell');
  const words = `shell-form ENTRYPOINT at ${FIXTURES}/scratch-shell/Dockerfile:5 runs /bin/sh, which the image does not have`;

  test('pushed: fails, in the user\'s terms, and no tag moves', async () => {
    const repo = `bpa-scratch-${uniqueTag('r')}`;
    const { main } = await runAction({ ...common, context, platforms: 'linux/amd64', push: 'true', tags: `${REGISTRY}/${repo}:1` });
    expect(main.code).toBe(1);
    expect(main.stdout).toContain(`::error::verification failed for linux/amd64: entrypoint-arch: expected`);
    expect(main.stdout).toContain(words);
    expect(await registryManifest(repo, '1')).toBeUndefined();
  });

  test('no push, load, tags or outputs: reported, the step passes', async () => {
    const { main } = await runAction({ ...common, context, platforms: 'linux/amd64' });
    expect(main.stdout).toContain(`::warning::verification failed for linux/amd64: entrypoint-arch: ${words}. Not failing the step`);
    expect(main.code).toBe(0);
    expect(main.summary).toMatch(/❌ \d+\/\d+ \(entrypoint-arch\)/);
  });

  test('the same with verify: strict given: fails', async () => {
    const { main } = await runAction({ ...common, context, platforms: 'linux/amd64', verify: 'strict' });
    expect(main.code).toBe(1);
    expect(main.stdout).toContain(words);
  });
});

describe('docker/metadata-action outputs as inputs', () => {
  const recorded = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'metadata-action.json'), 'utf8')).json as { tags: string[]; labels: Record<string, string>; annotations: string[]; version: string };

  test('tags, labels (image config) and annotations (index and manifest) land on the image; DOCKER_METADATA_OUTPUT_JSON is not read, as BPA does not', async () => {
    const repo = `bpa-meta-${uniqueTag('r')}`;
    const fill = (s: string) => s.replace('REGISTRY', REGISTRY).replace('REPO', repo);
    // The step outputs metadata-action writes: newline-separated lists.
    const outputs = { tags: recorded.tags.map(fill).join('\n'), labels: Object.entries(recorded.labels).map(([k, v]) => `${k}=${v}`).join('\n'), annotations: recorded.annotations.join('\n') };
    // What metadata-action exports for bake-action; a tag only there must not appear.
    const env = { DOCKER_METADATA_OUTPUT_JSON: JSON.stringify({ ...recorded, tags: [...recorded.tags.map(fill), `${REGISTRY}/${repo}:from-env`] }), DOCKER_METADATA_OUTPUT_VERSION: recorded.version };
    const { main } = await runAction({ ...common, context: path.join(FIXTURES, 'labelled'), platforms: TWO, push: 'true', ...outputs }, env);
    expect(main.code).toBe(0);
    const index = await registryManifest(repo, '1.2.3');
    expect(index?.digest).toBe(main.outputs.digest);
    for (const t of ['1.2', 'latest']) expect((await registryManifest(repo, t))?.digest).toBe(main.outputs.digest);
    expect(await registryManifest(repo, 'from-env')).toBeUndefined();
    const wanted = Object.fromEntries(Object.entries(recorded.labels));
    expect(index!.body.annotations).toMatchObject(wanted);
    const platformsOf = index!.body.manifests.filter((m: any) => m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest');
    expect(platformsOf).toHaveLength(2);
    for (const d of platformsOf) {
      const manifest = await registryManifest(repo, d.digest);
      expect(manifest!.body.annotations).toMatchObject(wanted);
      const config = await (await fetch(`${REGISTRY_URL}/v2/${repo}/blobs/${manifest!.body.config.digest}`)).json();
      expect(config.config.Labels).toMatchObject(wanted);
    }
  });
});

describe("BPA's \"distribute the build across runners\" pattern: push-by-digest per platform, then imagetools create", () => {
  const repo = `bpa-bydigest-${uniqueTag('r')}`;
  const image = `${REGISTRY}/${repo}`;
  let seeded: string;
  const runs: Array<Awaited<ReturnType<typeof runAction>>> = [];

  beforeAll(async () => {
    // The repository's existing `latest`, which a per-platform job must not replace.
    execFileSync('docker', ['buildx', 'imagetools', 'create', '-t', `${image}:latest`, `${REGISTRY}/library/busybox:1.35`], { stdio: 'pipe' });
    seeded = (await registryManifest(repo, 'latest'))!.digest;
    // One job per platform, as the docs' matrix writes it: the repository in tags, the output by digest.
    for (const platform of ['linux/amd64', 'linux/arm64']) {
      runs.push(await runAction({ ...common, context: path.join(FIXTURES, 'labelled'), platforms: platform, tags: image, outputs: 'type=image,push-by-digest=true,name-canonical=true,push=true' }));
    }
  }, 900_000);

  test('each job pushes its platform by digest, verified, and moves no tag: `latest` is untouched', async () => {
    for (const { main } of runs) {
      expect({ code: main.code, errors: main.stdout.split('\n').filter((l) => l.startsWith('::error')) }).toEqual({ code: 0, errors: [] });
      expect(main.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect((await registryManifest(repo, main.outputs.digest!))?.digest).toBe(main.outputs.digest);
      expect(JSON.parse(main.outputs.platforms!).map((p: { verified: boolean }) => p.verified)).toEqual([true]);
      expect(main.stdout).toContain(`push-by-digest: no tag moved; the image is ${image}@${main.outputs.digest}`);
      expect(main.summary).toContain('**Tags (not moved):**');
      expect(main.stdout).not.toMatch(/push-by-digest.*ignored/);
    }
    expect((await registryManifest(repo, 'latest'))?.digest).toBe(seeded);
    const tags = (await (await fetch(`${REGISTRY_URL}/v2/${repo}/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toEqual(['latest']);
  });

  test("the merge job's `docker buildx imagetools create` from the two digests makes one index of both platforms", async () => {
    const sources = runs.map(({ main }) => `${image}@${main.outputs.digest}`);
    execFileSync('docker', ['buildx', 'imagetools', 'create', '-t', `${image}:1.0`, ...sources], { stdio: 'pipe' });
    const index = await registryManifest(repo, '1.0');
    expect(indexPlatforms(index!.body).sort()).toEqual(['linux/amd64', 'linux/arm64']);
  });
});
