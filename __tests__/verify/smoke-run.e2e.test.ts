/**
 * runSmoke against a real engine: a container whose PID 1 ignores SIGTERM is killed at the
 * timeout, reported as "timed out", and not left behind.
 */
import { execFileSync } from 'node:child_process';
import { runSmoke } from '../../src/verify/smoke-run.js';
import { requireRegistry, requireStack, uniqueTag } from '../e2e/harness.js';
import { HANG_DOCKERFILE } from '../e2e/hang-image.js';

const docker = (args: string[], input?: string): string => execFileSync('docker', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 300_000 });

/** Containers of `image` in any state, as `id name`. */
const containersOf = (image: string): string[] => docker(['ps', '-a', '--filter', `ancestor=${image}`, '--format', '{{.ID}} {{.Names}}']).split('\n').filter(Boolean);

const image = `multiarch-e2e/hang:${uniqueTag('smoke')}`;

beforeAll(async () => {
  requireStack();
  await requireRegistry();
  docker(['buildx', 'build', '--builder', 'default', '--load', '--tag', image, '--build-context', 'busybox:1.35=docker-image://localhost:5000/library/busybox:1.35', '-'], HANG_DOCKERFILE);
}, 300_000);

afterAll(() => {
  // Before the fix the container outlives the run: clear it so the stack stays clean.
  for (const line of containersOf(image)) docker(['rm', '-f', line.split(' ')[0]!]);
  docker(['image', 'rm', image]);
});

test('a container that ignores SIGTERM is killed at the timeout, and none is left', async () => {
  const started = Date.now();
  const deadline = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 30_000).unref());
  const check = await Promise.race([runSmoke(image, 'linux/amd64', { args: [], timeoutSeconds: 3 }), deadline]);
  const seconds = (Date.now() - started) / 1000;
  expect(check).toMatchObject({ name: 'smoke', ok: false, actual: 'timed out' });
  expect(seconds).toBeLessThan(3 + 15);
  expect(containersOf(image)).toEqual([]);
}, 60_000);
