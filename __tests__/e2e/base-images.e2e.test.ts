/**
 * The stack's base images (scripts/stack.sh IMAGES): the named contexts the tests use cover
 * exactly them, the registry holds each for amd64 and arm64, and the node image is made from
 * bookworm's packages of its own architecture, whatever the host has installed, and runs there
 * with npm.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BASE_CONTEXTS, REGISTRY, ROOT, docker, indexPlatforms, registryManifest, requireRegistry, requireStack } from './harness.js';

const SCRIPT = path.join(ROOT, 'scripts', 'stack.sh');

/** `name:tag` of every base image, as `IMAGES=(…)` in the script lists them. */
function scriptImages(): string[] {
  const line = /^IMAGES=\(([^)]*)\)$/m.exec(fs.readFileSync(SCRIPT, 'utf8'));
  if (!line) throw new Error('no IMAGES=(…) line in scripts/stack.sh');
  return line[1]!.trim().split(/\s+/);
}

/** Runs one function of the script (sourced: `main` does not run). */
function stackFunction(...args: string[]): string {
  return execFileSync('bash', ['-c', 'source "$1"; shift; "$@"', 'stack.sh', SCRIPT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
}

beforeAll(async () => {
  requireStack();
  await requireRegistry();
});

test('BASE_CONTEXTS maps every base image of the stack, and only those', () => {
  const images = scriptImages();
  expect(images).toContain('node:18-slim');
  expect(BASE_CONTEXTS.split('\n').sort()).toEqual(images.map((i) => `${i}=docker-image://${REGISTRY}/library/${i}`).sort());
});

test.each(scriptImages())('the registry holds %s for linux/amd64 and linux/arm64', async (image) => {
  const [name, tag] = image.split(':') as [string, string];
  const index = await registryManifest(`library/${name}`, tag);
  expect(index && indexPlatforms(index.body).sort()).toEqual(['linux/amd64', 'linux/arm64']);
});

// The host may have a newer nodejs from elsewhere (nodesource's 20 here), and an Architecture: all
// package (node-acorn) depends on `nodejs` with no architecture: neither may pull in a package of
// another release or of the host's architecture.
test.each(['amd64', 'arm64'])('the node image for %s is bookworm nodejs 18 and packages of its own architecture', (arch) => {
  const debs = stackFunction('image_debs', 'node', arch).trim().split('\n');
  expect(debs.filter((d) => !d.endsWith(`_${arch}.deb`) && !d.endsWith('_all.deb'))).toEqual([]);
  expect(debs.filter((d) => d.startsWith('nodejs_'))).toEqual([expect.stringMatching(/^nodejs_18\.\d+\.\d+\+dfsg-1~deb12u\d+_/)]);
  expect(debs).toContain(`busybox-static_1%3a1.35.0-4+deb12u1+b1_${arch}.deb`);
}, 300_000);

test.each(['linux/amd64', 'linux/arm64'])('node:18-slim runs node and npm on %s', (platform) => {
  const out = docker(['run', '--rm', '--platform', platform, `${REGISTRY}/library/node:18-slim`, 'sh', '-c', 'node -p "process.version + \\" \\" + process.arch" && npm --version && npx --version']);
  const [node, npm, npx] = out.trim().split('\n');
  expect(node).toMatch(new RegExp(`^v18\\.\\d+\\.\\d+ ${platform === 'linux/amd64' ? 'x64' : 'arm64'}$`));
  expect(npm).toMatch(/^10\.\d+\.\d+$/);
  expect(npx).toBe(npm);
}, 180_000);
