/**
 * Provenance by default, run as a runner runs the action: GITHUB_REPOSITORY, GITHUB_SERVER_URL,
 * the run id and attempt, and an event payload that says whether the repository is private.
 * The pushed index carries one attestation manifest per platform, beside it, never counted as a
 * platform; a public repository's names the run as builder with every detail (mode=max), a
 * private one's only the minimum (mode=min), as build-push-action pushes them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BASE_CONTEXTS, REGISTRY, REGISTRY_URL, indexPlatforms, registryManifest, requireRegistry, requireStack, runAction, uniqueTag, type ActionRun } from './harness.js';

beforeAll(async () => {
  requireStack();
  await requireRegistry();
});

const RUN_ID = String(7_000_000 + Math.floor(Math.random() * 1_000_000));
const BUILDER_ID = `https://github.com/acme/app/actions/runs/${RUN_ID}/attempts/3`;

async function blob(repo: string, digest: string): Promise<any> {
  const res = await fetch(`${REGISTRY_URL}/v2/${repo}/blobs/${digest}`);
  if (!res.ok) throw new Error(`blob ${digest}: ${res.status}`);
  return res.json();
}

/** Per attestation manifest: the platform it describes (by reference digest) and its provenance predicate. */
async function provenanceOf(repo: string, index: any): Promise<{ ref: string; predicateType: string; predicate: any }[]> {
  const out = [];
  for (const m of index.manifests.filter((d: any) => d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest')) {
    const manifest = (await registryManifest(repo, m.digest))!.body;
    const layer = manifest.layers.find((l: any) => /provenance/.test(l.annotations?.['in-toto.io/predicate-type'] ?? ''));
    const statement = await blob(repo, layer.digest);
    out.push({ ref: m.annotations['vnd.docker.reference.digest'], predicateType: statement.predicateType, predicate: statement.predicate });
  }
  return out;
}

function builderIdOf(predicate: any): string | undefined {
  return predicate?.builder?.id ?? predicate?.runDetails?.builder?.id;
}

describe.each([
  ['public', false],
  ['private', true]
] as const)('a %s repository', (visibility, isPrivate) => {
  const repo = `e2e/provenance-${visibility}`;
  const tag = uniqueTag(visibility);
  let run: ActionRun;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'event-'));
    const event = path.join(dir, 'event.json');
    fs.writeFileSync(event, JSON.stringify({ repository: { full_name: 'acme/app', private: isPrivate }, ref: 'refs/heads/main' }));
    run = await runAction(
      { network: 'host', 'build-contexts': BASE_CONTEXTS, context: 'examples/go-cross', platforms: 'linux/amd64,linux/arm64', push: 'true', tags: `${REGISTRY}/${repo}:${tag}` },
      { GITHUB_REPOSITORY: 'acme/app', GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: RUN_ID, GITHUB_RUN_ATTEMPT: '3', GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: event }
    );
  }, 900_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the build passes, and attestations are never counted as platforms', async () => {
    expect({ code: run.main.code, errors: run.main.stdout.split('\n').filter((l) => l.startsWith('::error')) }).toEqual({ code: 0, errors: [] });
    const index = (await registryManifest(repo, tag))!.body;
    expect(indexPlatforms(index).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect((JSON.parse(run.main.outputs.platforms!) as unknown[]).length).toBe(2);
  });

  if (!isPrivate) {
    test('one attestation manifest per platform, pointing at it, naming the run as builder, with every detail (mode=max)', async () => {
      const index = (await registryManifest(repo, tag))!.body;
      const platformDigests = index.manifests.filter((m: any) => m.platform?.architecture !== 'unknown').map((m: any) => m.digest).sort();
      const provenance = await provenanceOf(repo, index);
      expect(provenance.map((p) => p.ref).sort()).toEqual(platformDigests);
      for (const p of provenance) {
        expect(p.predicateType).toMatch(/^https:\/\/slsa\.dev\/provenance\//);
        expect(builderIdOf(p.predicate)).toBe(BUILDER_ID);
        // SLSA v0.2 keeps BuildKit's LLB steps under buildConfig in max mode only.
        expect(p.predicate.buildConfig ?? p.predicate.buildDefinition?.internalParameters?.buildConfig).toBeDefined();
      }
    });

    test('the summary shows each platform\'s attestation', async () => {
      const index = (await registryManifest(repo, tag))!.body;
      const attestations = index.manifests.filter((m: any) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest');
      expect(run.main.summary).toContain('**Attestations:**');
      for (const a of attestations) expect(run.main.summary).toContain(a.digest.slice(0, 19));
    });
  } else {
    // BPA pushes a private repository's build with its image exporter, which carries buildx's
    // default mode=min provenance to the registry; the legs' OCI exporter must carry it too
    // (with inline-only=true BuildKit leaves it off an OCI layout, and nothing was pushed).
    test('one attestation manifest per platform, naming the run as builder, with only the minimum (mode=min)', async () => {
      const index = (await registryManifest(repo, tag))!.body;
      const platformDigests = index.manifests.filter((m: any) => m.platform?.architecture !== 'unknown').map((m: any) => m.digest).sort();
      const provenance = await provenanceOf(repo, index);
      expect(provenance.map((p) => p.ref).sort()).toEqual(platformDigests);
      for (const p of provenance) {
        expect(builderIdOf(p.predicate)).toBe(BUILDER_ID);
        expect(p.predicate.buildConfig ?? p.predicate.buildDefinition?.internalParameters?.buildConfig).toBeUndefined();
      }
    });
  }
});
