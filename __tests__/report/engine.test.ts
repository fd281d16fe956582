/** The summary names the engine and builder the legs ran on, and what that builder could not make. */
import { renderEngine, renderMarkdown } from '../../src/report/render.js';
import type { RunReport } from '../../src/types/plan.js';
import { resolveLoadPlatform } from '../../src/build/load.js';
import { describeEngine } from '../../src/stages/setup.js';

const base: RunReport = { image: 'localhost:5000/app:1', tags: ['localhost:5000/app:1'], pushed: true, legs: [], logs: {}, durationMs: 1 };

test('engine, store, builder, BuildKit, buildx and QEMU on one line', () => {
  const r: RunReport = {
    ...base,
    engine: { dockerVersion: '28.5.2', store: 'classic', storageDriver: 'overlay2', buildxVersion: '0.29.1', qemuVersion: '7.2.13 (Debian 1:7.2+dfsg-7+deb12u7)' },
    builder: { name: 'multiarch-1-ab', driver: 'docker-container', created: true, legExport: 'oci', buildkitVersion: '0.31.2', image: 'moby/buildkit:v0.31.2', lost: [] }
  };
  expect(renderEngine(r)).toBe('**Engine:** Docker 28.5.2 (classic store, overlay2) · builder `multiarch-1-ab` (docker-container, BuildKit 0.31.2, `moby/buildkit:v0.31.2`) · buildx 0.29.1 · QEMU 7.2.13 (Debian 1:7.2+dfsg-7+deb12u7)');
  expect(renderMarkdown(r)).not.toContain('Not made on this builder');
});

test('the docker-load fallback says what was not made and why', () => {
  const r: RunReport = {
    ...base,
    engine: { dockerVersion: '28.5.2', store: 'classic', storageDriver: 'overlay2', buildxVersion: '0.29.1' },
    builder: { name: 'default', driver: 'docker', created: false, legExport: 'docker-load', buildkitVersion: '0.25.1', fallback: 'the docker-container builder (moby/buildkit:v0.31.2) could not start: pull access denied', lost: ['attestations (provenance, SBOM)', 'cache export (cache-to other than type=inline)'] }
  };
  const md = renderMarkdown(r);
  expect(md).toContain('builder `default` (docker, BuildKit 0.25.1, legs loaded and read back)');
  expect(md).toContain('**Not made on this builder:** attestations (provenance, SBOM); cache export (cache-to other than type=inline) (the docker-container builder (moby/buildkit:v0.31.2) could not start: pull access denied)');
});

test('no engine facts, no engine line (plan mode, input errors)', () => {
  expect(renderEngine(base)).toBeUndefined();
  expect(renderMarkdown(base)).not.toContain('**Engine:**');
});

test('describeEngine for the log', () => {
  expect(describeEngine({ dockerVersion: '26.1.5', store: 'containerd', storageDriver: 'overlayfs', buildxVersion: '0.13.1' })).toBe('Docker 26.1.5, containerd image store (overlayfs), buildx 0.13.1');
  expect(describeEngine({})).toBe('Docker unknown');
});

test('the classic store loads the runner\'s platform, else the first one built', () => {
  expect(resolveLoadPlatform(['linux/arm64', 'linux/amd64'], 'linux/amd64')).toBe('linux/amd64');
  expect(resolveLoadPlatform(['linux/arm64', 'linux/arm/v7'], 'linux/amd64')).toBe('linux/arm64');
});
