/** BPA's cgroup-parent input reaches every leg as --cgroup-parent. */
import { buildLegArgs } from '../../src/build/args.js';
import type { Config } from '../../src/types/config.js';
import type { PlatformPlan } from '../../src/types/plan.js';

const base = {
  context: '/ctx', file: '/ctx/Dockerfile', platforms: ['linux/arm64'], tags: [], labels: [], annotations: [], buildArgs: [], buildContexts: [], secrets: [], ssh: [],
  push: false, load: false, outputs: [], cacheFrom: [], cacheTo: [], noCache: false, noCacheFilters: [], pull: false, addHosts: [], ulimit: [], attests: [], allow: []
} as unknown as Config;
const arm64: PlatformPlan = { platform: 'linux/arm64', strategy: 'cross', language: 'go', emulatedSteps: [], rewrite: null, reasons: [], cacheScope: 's' };

test('cgroup-parent', () => {
  const args = buildLegArgs({ config: { ...base, cgroupParent: 'ci.slice', network: 'host' }, platform: arm64, builder: 'b', dockerfile: '/df', outDir: '/o', metadataFile: '/m', secretFiles: {} });
  expect(args.slice(-5)).toEqual(['--network', 'host', '--cgroup-parent', 'ci.slice', '/ctx']);
  expect(buildLegArgs({ config: base, platform: arm64, builder: 'b', dockerfile: '/df', outDir: '/o', metadataFile: '/m', secretFiles: {} })).not.toContain('--cgroup-parent');
});
