/**
 * Issue "Every build-push-action workflow runs unchanged", item 2 "Every exporter": each buildx
 * `--output` a BPA workflow can pass, and two at once, through dist/ as a runner runs it. Image
 * outputs get the merged, verified index; `local` and `tar` get the build's files, one directory
 * per platform, and the summary says there is nothing to verify for them.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { engineEnv, engineProcessEnv, requireEngine } from '../stack/engines.js';
import { BASE_CONTEXTS, REGISTRY, docker, registryManifest, requireRegistry, requireStack, runAction, uniqueTag, type StepResult } from './harness.js';

const common = { context: 'examples/go-cross', platforms: 'linux/amd64,linux/arm64', 'build-contexts': BASE_CONTEXTS, network: 'host' };
const PLATFORM_DIRS = ['linux_amd64', 'linux_arm64'];
const FILES_NOTE = /- \*\*Output:\*\* `[^`]+`: files only \([^)]*\): not an image, nothing to verify for this output\n/;

let tmp: string;
const loaded: string[] = [];
beforeAll(async () => {
  requireStack();
  await requireRegistry();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'multiarch-exporters-'));
});
afterAll(() => {
  for (const name of loaded) execFileSync('docker', ['image', 'rm', '-f', name], { stdio: 'ignore' });
  fs.rmSync(tmp, { recursive: true, force: true });
});

function tarList(file: string): string[] {
  return execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).split('\n').filter(Boolean).map((e) => e.replace(/^\.\//, ''));
}

function tarEntry(file: string, entry: string): string {
  return execFileSync('tar', ['-xOf', file, entry], { encoding: 'utf8' });
}

/** digest, imageid and metadata as today: the index digest, and BPA's metadata keys. */
function expectImageOutputs(main: StepResult): void {
  expect(main.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
  expect(main.outputs.imageid).toBe(main.outputs.digest);
  expect(JSON.parse(main.outputs.metadata!)).toMatchObject({ 'containerimage.digest': main.outputs.digest, 'containerimage.descriptor': { digest: main.outputs.digest } });
}

function verifiedPlatforms(main: StepResult): Array<boolean | null> {
  return (JSON.parse(main.outputs.platforms!) as Array<{ verified: boolean | null }>).map((p) => p.verified);
}

interface Case {
  name: string;
  inputs: (dir: string) => Record<string, string>;
  check: (main: StepResult, dir: string) => Promise<void> | void;
  /** The build delivers no image (cacheonly, or files only): no digest, imageid or metadata, as with BPA. */
  noImage?: true;
}

const cases: Case[] = [
  {
    name: 'type=docker,name=: the verified image is in the engine under the name',
    inputs: () => {
      const name = `multiarch-e2e/exporters:${uniqueTag('docker')}`;
      loaded.push(name);
      return { outputs: `type=docker,name=${name}` };
    },
    check: (main) => {
      const name = loaded[loaded.length - 1]!;
      const inspect = JSON.parse(docker(['image', 'inspect', name])) as Array<{ Architecture: string; Config: { Entrypoint: string[] } }>;
      expect(inspect[0]!.Config.Entrypoint).toEqual(['/usr/local/bin/hello']);
      expect(verifiedPlatforms(main)).toEqual([true, true]);
      expect(main.summary).toMatch(/- \*\*Output:\*\* `type=docker,name=[^`]+`: loaded into the Docker image store as /);
    }
  },
  {
    name: 'type=docker,dest=FILE: an OCI tarball of every platform, named, instead of a load',
    inputs: (dir) => ({ outputs: `type=docker,name=localhost:5000/exporters/app:1,dest=${dir}/app.tar` }),
    check: (main, dir) => {
      const entries = tarList(`${dir}/app.tar`);
      expect(entries).toEqual(expect.arrayContaining(['oci-layout', 'index.json']));
      const index = JSON.parse(tarEntry(`${dir}/app.tar`, './index.json')) as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
      expect(index.manifests).toEqual([expect.objectContaining({ digest: main.outputs.digest, annotations: expect.objectContaining({ 'io.containerd.image.name': 'localhost:5000/exporters/app:1' }) })]);
      expect(verifiedPlatforms(main)).toEqual([true, true]);
    }
  },
  {
    name: 'type=oci,dest=FILE.tar: the merged layout as a tar',
    inputs: (dir) => ({ outputs: `type=oci,dest=${dir}/image.tar` }),
    check: (main, dir) => {
      const entries = tarList(`${dir}/image.tar`);
      expect(entries).toEqual(expect.arrayContaining(['oci-layout', 'index.json', `blobs/sha256/${main.outputs.digest!.slice(7)}`]));
      const index = JSON.parse(tarEntry(`${dir}/image.tar`, './index.json')) as { manifests: Array<{ digest: string }> };
      expect(index.manifests.map((m) => m.digest)).toEqual([main.outputs.digest]);
      expect(verifiedPlatforms(main)).toEqual([true, true]);
      expect(main.summary).not.toContain('**OCI layout:**');
    }
  },
  {
    name: 'type=local,dest=DIR: the files, one directory per platform; nothing to verify for them',
    inputs: (dir) => ({ outputs: `type=local,dest=${dir}/files` }),
    noImage: true,
    check: (main, dir) => {
      expect(fs.readdirSync(`${dir}/files`).sort()).toEqual(PLATFORM_DIRS);
      for (const p of PLATFORM_DIRS) expect(fs.statSync(`${dir}/files/${p}/usr/local/bin/hello`).isFile()).toBe(true);
      // The final stage is busybox: its files are there too, links kept as links.
      expect(fs.lstatSync(`${dir}/files/linux_arm64/bin/sh`).isSymbolicLink() || fs.statSync(`${dir}/files/linux_arm64/bin/sh`).isFile()).toBe(true);
      expect(main.summary).toMatch(FILES_NOTE);
      // The image still exists (the merged index) and is verified; the workspace gets no layout.
      expect(verifiedPlatforms(main)).toEqual([true, true]);
      expect(main.summary).not.toContain('**OCI layout:**');
      // That image went nowhere: no digest to hand on, as BPA's outputs for type=local.
      expect([main.outputs.digest, main.outputs.imageid, main.outputs.metadata]).toEqual([undefined, undefined, undefined]);
    }
  },
  {
    name: 'type=tar,dest=FILE: the files in one tar, one directory per platform',
    inputs: (dir) => ({ outputs: `type=tar,dest=${dir}/files.tar` }),
    noImage: true,
    check: (main, dir) => {
      const entries = tarList(`${dir}/files.tar`);
      for (const p of PLATFORM_DIRS) expect(entries).toContain(`${p}/usr/local/bin/hello`);
      expect(main.summary).toMatch(FILES_NOTE);
      expect([main.outputs.digest, main.outputs.imageid, main.outputs.metadata]).toEqual([undefined, undefined, undefined]);
    }
  },
  {
    name: 'type=cacheonly: built, nothing pushed, written or verified',
    inputs: () => ({ outputs: 'type=cacheonly' }),
    noImage: true,
    check: (main) => {
      expect(main.summary).toContain('- **Output:** `type=cacheonly`: build only (cache export): nothing to push or verify\n');
      expect(verifiedPlatforms(main)).toEqual([null, null]);
      expect(main.summary).not.toContain('**OCI layout:**');
      // No image exists anywhere: no digest to hand on, as BPA's outputs are empty (its CI's attests-compat).
      expect([main.outputs.digest, main.outputs.imageid, main.outputs.metadata]).toEqual([undefined, undefined, undefined]);
      expect(main.summary).not.toContain('**Index:**');
    }
  },
  {
    name: 'type=image,name=REF,push=true without tags: the registry has the name as a tag',
    inputs: () => ({ outputs: `type=image,name=${REGISTRY}/exporters-push:${uniqueTag('t')},push=true` }),
    check: async (main) => {
      const name = (JSON.parse(main.outputs.metadata!) as Record<string, string>)['image.name']!;
      const tag = name.split(':').pop()!;
      expect((await registryManifest('exporters-push', tag))?.digest).toBe(main.outputs.digest);
      expect(verifiedPlatforms(main)).toEqual([true, true]);
    }
  },
  {
    name: 'two outputs at once: pushed under the name, and the files beside',
    inputs: (dir) => ({ outputs: `type=registry,name=${REGISTRY}/exporters-two:${uniqueTag('t')}\ntype=local,dest=${dir}/files` }),
    check: async (main, dir) => {
      const name = (JSON.parse(main.outputs.metadata!) as Record<string, string>)['image.name']!;
      expect((await registryManifest('exporters-two', name.split(':').pop()!))?.digest).toBe(main.outputs.digest);
      for (const p of PLATFORM_DIRS) expect(fs.statSync(`${dir}/files/${p}/usr/local/bin/hello`).isFile()).toBe(true);
      expect(main.summary).toMatch(FILES_NOTE);
    }
  }
];

describe.each(cases.map((c, i) => [c.name, c, i] as const))('outputs %s', (_name, c, i) => {
  test(c.noImage ? 'the step succeeds' : 'the step succeeds with digest, imageid and metadata as today', async () => {
    const dir = path.join(tmp, `case-${i}`);
    fs.mkdirSync(dir);
    const { main } = await runAction({ ...common, ...c.inputs(dir) });
    if (main.code !== 0) throw new Error(`exit ${main.code}:\n${main.stdout.slice(-4000)}`);
    if (!c.noImage) expectImageOutputs(main);
    await c.check(main, dir);
  }, 900_000);
});

/**
 * The classic image store (GitHub-hosted runners): legs are loaded and read back (docker driver),
 * so a files output is a second exporter beside `type=docker`, and `type=docker` takes one platform.
 */
describe('on the classic image store (docker driver)', () => {
  const engine = 'docker28-classic';
  const classicDocker = (args: string[]) => execFileSync('docker', args, { encoding: 'utf8', env: engineProcessEnv(engine), stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  const name = `multiarch-e2e/exporters-classic:${uniqueTag('docker')}`;
  beforeAll(() => requireEngine(engine));
  afterAll(() => {
    try {
      classicDocker(['image', 'rm', '-f', name]);
    } catch {
      // not loaded: the test already failed
    }
  });

  test('type=docker,name= and type=local at once: the runner\'s platform in the engine, every platform\'s files', async () => {
    const dir = path.join(tmp, 'classic');
    const { main } = await runAction({ ...common, driver: 'docker', outputs: `type=docker,name=${name}\ntype=local,dest=${dir}/files` }, engineEnv(engine));
    if (main.code !== 0) throw new Error(`exit ${main.code}:\n${main.stdout.slice(-4000)}`);
    expectImageOutputs(main);
    const inspect = JSON.parse(classicDocker(['image', 'inspect', name])) as Array<{ Architecture: string }>;
    expect(inspect[0]!.Architecture).toBe('amd64');
    expect(main.summary).toMatch(/- \*\*Output:\*\* `type=docker,name=[^`]+`: loaded into the Docker image store as [^:]+:[^:]+: linux\/amd64 only: the classic image store holds one platform per tag/);
    for (const p of PLATFORM_DIRS) expect(fs.statSync(`${dir}/files/${p}/usr/local/bin/hello`).isFile()).toBe(true);
    expect(main.summary).toMatch(FILES_NOTE);
  }, 900_000);
});
