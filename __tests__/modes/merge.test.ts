/**
 * The merge mode stops before the registry when a leg is missing, failed or unreadable: nothing
 * is PUT and no tag moves. A hand-off in memory stands in for the artifacts here (the e2e test
 * runs the real artifact client).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConfig } from '../../src/config.js';
import type { CollectedLegs, LegHandoff } from '../../src/modes/handoff.js';
import { runPipeline, type Io } from '../../src/pipeline.js';
import type { LegRecord } from '../../src/types/leg-record.js';

let workspace: string;
beforeAll(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'merge-mode-'));
  fs.writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM busybox\n');
});
afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

// An unroutable registry: any request would fail the test with a connection error, not a message about legs.
const TAG = '127.0.0.1:9/app:1';
const io: Io = { info: () => undefined, warning: () => undefined, group: (_, fn) => fn(), secret: () => undefined, createdBuilder: () => undefined };
const plan = (platform: string) => ({ platform, strategy: 'cross' as const, language: 'go', emulatedSteps: [], rewrite: null, reasons: [], cacheScope: 's' });
const record = (platform: string, over: Partial<LegRecord> = {}): LegRecord => ({
  version: 1, image: TAG, platform, attempt: 1, ok: true, attestations: [], repositories: ['127.0.0.1:9/app'], startedAt: 1, durationMs: 2, plan: plan(platform), strategy: 'cross',
  manifest: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'c'.repeat(64)}`, size: 3 }, ...over
});

function handoffOf(collected: Partial<CollectedLegs>): LegHandoff {
  return {
    publish: () => Promise.reject(new Error('merge does not publish')),
    collect: async () => ({ records: new Map(), unreadable: new Map(), ignored: [], ...collected })
  };
}

async function merge(collected: Partial<CollectedLegs>) {
  const config = resolveConfig((n) => ({ mode: 'merge', platforms: 'linux/amd64,linux/arm64', push: 'true', tags: TAG })[n] ?? '', { workspace, tempDir: workspace, onSecret: () => undefined, onWarning: () => undefined });
  return runPipeline(config, io, { runId: 'unit', handoff: handoffOf(collected) });
}

test('a missing leg: named, no index, no tag', async () => {
  const r = await merge({ records: new Map([['linux/amd64', record('linux/amd64')]]) });
  expect(r.error).toBe('leg linux/arm64 missing: no leg record was handed off (did the leg job run, with the same tags?); no tag moved');
  expect(r.index).toBeUndefined();
  expect(r.tagged).toEqual({ tags: [TAG], moved: false, reason: 'a leg is missing or failed: no tag moved' });
  expect(r.legs.map((l) => l.platform.platform)).toEqual(['linux/amd64']);
});

test('a failed leg: named with its error, its log kept for the summary', async () => {
  const failed = record('linux/arm64', { ok: false, manifest: undefined, error: 'ERROR: exit 3', logTail: '#7 exit 3' });
  const r = await merge({ records: new Map([['linux/amd64', record('linux/amd64')], ['linux/arm64', failed]]) });
  expect(r.error).toBe('leg linux/arm64 failed: ERROR: exit 3; no tag moved');
  expect(r.logs).toEqual({ 'linux/arm64': '#7 exit 3' });
  expect(r.plan?.platforms.map((p) => p.platform)).toEqual(['linux/amd64', 'linux/arm64']);
  expect(r.index).toBeUndefined();
});

test('an unreadable record stops the merge too', async () => {
  const r = await merge({ records: new Map([['linux/amd64', record('linux/amd64')]]), unreadable: new Map([['linux/arm64', 'leg record x is not JSON']]) });
  expect(r.error).toBe('leg linux/arm64 unreadable: leg record x is not JSON; no tag moved');
});

test('leg and merge modes need a hand-off channel (the CLI has none)', async () => {
  const config = resolveConfig((n) => ({ mode: 'merge', platforms: 'linux/amd64', push: 'true', tags: TAG })[n] ?? '', { workspace, tempDir: workspace, onSecret: () => undefined, onWarning: () => undefined });
  expect((await runPipeline(config, io, { runId: 'unit' })).error).toBe('mode merge hands leg records between jobs and runs only as the GitHub Action');
});
