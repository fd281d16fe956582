/**
 * `sbom` per platform, as build-push-action passes it, run as a runner runs the action. The
 * generator is the test stack's stand-in for docker/buildkit-syft-scanner (see
 * __tests__/stack/sbom-generator.ts): same BuildKit generator protocol, built and pushed locally.
 * Each platform's image is scanned on its own and its SBOM rides in an attestation manifest
 * beside it in the index; the summary shows each platform's package count. On the classic image
 * store (the docker driver, legs loaded and read back) no attestation can be made: it says so.
 *
 * BuildKit runs a generator on the worker's default network, which for dockerd's built-in BuildKit
 * is the `bridge` network: the first case runs on the default engine, whose bridge scripts/stack.sh
 * sets up (no NAT, no forwarding); without it the case fails, naming `scripts/stack.sh up`.
 */
import { DEFAULT_ENGINE, engineEnv, requireBridge, requireEngine } from '../stack/engines.js';
import { ensureSbomGenerator } from '../stack/sbom-generator.js';
import { BASE_CONTEXTS, REGISTRY, REGISTRY_URL, indexPlatforms, registryManifest, requireRegistry, requireStack, runAction, uniqueTag, type ActionRun } from './harness.js';

let generator: string;
beforeAll(async () => {
  requireStack();
  await requireRegistry();
  generator = await ensureSbomGenerator();
}, 900_000);

const SPDX = 'https://spdx.dev/Document';

async function blob(repo: string, digest: string): Promise<any> {
  const res = await fetch(`${REGISTRY_URL}/v2/${repo}/blobs/${digest}`);
  if (!res.ok) throw new Error(`blob ${digest}: ${res.status}`);
  return res.json();
}

/** platform → {its manifest digest, the SBOM statements of the attestation manifests that refer to it}. */
async function sbomsByPlatform(repo: string, index: any): Promise<Record<string, { digest: string; attestations: string[]; statements: any[] }>> {
  const out: Record<string, { digest: string; attestations: string[]; statements: any[] }> = {};
  const images = index.manifests.filter((m: any) => m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest');
  for (const m of images) {
    const platform = [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/');
    const attestations = index.manifests.filter((a: any) => a.annotations?.['vnd.docker.reference.digest'] === m.digest);
    const statements = [];
    for (const a of attestations) {
      const manifest = (await registryManifest(repo, a.digest))!.body;
      for (const l of manifest.layers.filter((x: any) => x.annotations?.['in-toto.io/predicate-type'] === SPDX)) statements.push(await blob(repo, l.digest));
    }
    out[platform] = { digest: m.digest, attestations: attestations.map((a: any) => a.digest), statements };
  }
  return out;
}

describe('a two-platform push with sbom: generator=… (containerd store)', () => {
  const repo = 'e2e/sbom';
  const tag = uniqueTag('sbom');
  let run: ActionRun;
  let sboms: Awaited<ReturnType<typeof sbomsByPlatform>>;

  beforeAll(async () => {
    requireBridge();
    run = await runAction(
      { network: 'host', 'build-contexts': BASE_CONTEXTS, context: 'examples/go-cross', platforms: 'linux/amd64,linux/arm64', push: 'true', tags: `${REGISTRY}/${repo}:${tag}`, sbom: `generator=${generator}` },
      engineEnv(DEFAULT_ENGINE)
    );
    const index = await registryManifest(repo, tag);
    sboms = index ? await sbomsByPlatform(repo, index.body) : {};
  }, 900_000);

  test('the build passes; attestation manifests are never counted as platforms', async () => {
    expect({ code: run.main.code, errors: run.main.stdout.split('\n').filter((l) => l.startsWith('::error')) }).toEqual({ code: 0, errors: [] });
    expect(indexPlatforms((await registryManifest(repo, tag))!.body).sort()).toEqual(['linux/amd64', 'linux/arm64']);
  });

  test('each platform has its own SBOM, in an attestation manifest beside it that refers to its digest', () => {
    expect(Object.keys(sboms).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    for (const s of Object.values(sboms)) {
      expect(s.statements).toHaveLength(1);
      expect(s.statements[0].predicateType).toBe(SPDX);
      expect(s.statements[0].predicate.spdxVersion).toBe('SPDX-2.3');
    }
    // Two platforms, two attestation manifests, not one shared.
    expect(new Set(Object.values(sboms).flatMap((s) => s.attestations)).size).toBe(2);
  });

  test("each SBOM was made from its own platform's filesystem: the Go binary it read was built for that architecture", () => {
    for (const [platform, s] of Object.entries(sboms)) {
      const arch = platform.split('/')[1];
      const stdlib = s.statements[0].predicate.packages.find((p: any) => p.name === 'stdlib');
      expect(stdlib?.comment).toContain(`GOARCH=${arch}`);
      expect(s.statements[0].predicate.packages.map((p: any) => p.name)).toEqual(expect.arrayContaining(['busybox', 'example.com/hello', 'stdlib']));
    }
  });

  test('the summary and the platforms output show each platform\'s package count, as the SBOM lists it', () => {
    const counts = Object.fromEntries(Object.entries(sboms).map(([p, s]) => [p, s.statements[0].predicate.packages.length as number]));
    const line = run.main.summary.split('\n').find((l) => l.startsWith('**SBOM:**'));
    expect(line).toBe(`**SBOM:** ${['linux/amd64', 'linux/arm64'].map((p) => `\`${p}\` → ${counts[p]} packages (\`${sboms[p]!.attestations[0]!.slice(0, 19)}\`)`).join('; ')}`);
    const platforms = JSON.parse(run.main.outputs.platforms!) as Array<{ platform: string; sbom: { attestation: string; packages: number } }>;
    expect(platforms.map((p) => [p.platform, p.sbom])).toEqual(['linux/amd64', 'linux/arm64'].map((p) => [p, { attestation: sboms[p]!.attestations[0], packages: counts[p] }]));
  });
});

describe('the same push on the classic image store (docker driver fallback: no attestations)', () => {
  const engine = 'docker28-classic';
  const repo = 'e2e/sbom-classic';
  const tag = uniqueTag('classic');
  let run: ActionRun;

  beforeAll(async () => {
    requireEngine(engine);
    // The docker-container builder's image is not on the loopback registry: setup falls back to the docker driver.
    run = await runAction(
      { network: 'host', 'build-contexts': BASE_CONTEXTS, context: 'examples/go-cross', platforms: 'linux/amd64,linux/arm64', push: 'true', tags: `${REGISTRY}/${repo}:${tag}`, sbom: `generator=${generator}`, 'buildkit-image': 'localhost:5000/moby/buildkit:v0.31.2' },
      engineEnv(engine)
    );
  }, 900_000);

  test('the push succeeds with no attestation manifest, and the run warns that the SBOM was not made', async () => {
    expect(run.main.code).toBe(0);
    const index = (await registryManifest(repo, tag))!.body;
    expect(index.manifests.filter((m: any) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest')).toEqual([]);
    expect(run.main.stdout).toMatch(/::warning::.*classic image store makes no attestations: sbom generator=/);
  });

  test('the summary says, per platform, why there is no SBOM', () => {
    expect(run.main.summary).toContain('**SBOM:** `linux/amd64` → none: the docker driver on the classic image store makes no attestations; `linux/arm64` → none: the docker driver on the classic image store makes no attestations');
  });
});
