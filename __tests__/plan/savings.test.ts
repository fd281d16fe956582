/**
 * What the rewrite saves: the plan carries the measured ratio with its source, and after a build
 * the leg times give seconds, from this run's legs when both kinds ran, else from the ratio.
 */
import * as fs from 'node:fs';
import { MEASURED_RATIOS, measureSavings } from '../../src/plan/savings.js';
import type { BuiltLeg, PlatformPlan } from '../../src/types/plan.js';
import { toPlanJson } from '../../src/plan/json.js';
import { renderSavings } from '../../src/report/render.js';
import { GO_FILES, df, plan } from './helpers.js';

const GO = df('FROM golang:1.22 AS build', 'COPY . .', 'RUN go build -o /out/app .', 'FROM scratch', 'COPY --from=build /out/app /app');

test('the Go ratio is the one bench/results/strategy.json measured, and the source names it', () => {
  const bench = JSON.parse(fs.readFileSync('bench/results/strategy.json', 'utf8'));
  const emulatedGoBuild = bench.legs.aGoBuild['linux/arm64'];
  const crossLeg = bench.legs.b['linux/arm64'] / 1000;
  expect(MEASURED_RATIOS['go']!.ratio).toBe(Math.round((emulatedGoBuild / crossLeg) * 100) / 100);
  expect(MEASURED_RATIOS['go']!.source).toContain(`\`go build\` under QEMU ${emulatedGoBuild} s vs the whole cross leg ${crossLeg.toFixed(1)} s`);
  expect(MEASURED_RATIOS['go']!.source).toContain(bench.generatedAt.slice(0, 10));
});

test('plan time: the rewritten and the still-emulated leg carry the ratio; a native leg none', () => {
  const auto = plan(GO, { files: GO_FILES });
  expect(auto.platforms[0]!.savings).toBeUndefined();
  expect(auto.platforms[1]!.savings).toEqual({ emulatedRuns: 1, built: 'cross', ratio: 3.8, source: MEASURED_RATIOS['go']!.source });
  const off = plan(GO, { files: GO_FILES, crossCompile: 'off' });
  expect(off.platforms[1]!.savings).toMatchObject({ emulatedRuns: 1, built: 'emulated', ratio: 3.8 });
  expect(toPlanJson(off).platforms.map((p) => p.savings?.built ?? null)).toEqual([null, 'emulated']);
});

test('plan time: a language nobody measured says so', () => {
  const p = plan(df('FROM maven:3.9 AS build', 'COPY . .', 'RUN mvn -B package', 'FROM eclipse-temurin:21-jre', 'COPY --from=build /target/app.jar /app.jar'), { files: { 'pom.xml': '<project/>' } });
  expect(p.platforms[1]!.savings).toEqual({ emulatedRuns: 1, built: 'cross', source: 'no measured ratio for jvm yet' });
});

function leg(p: PlatformPlan, durationMs: number, ok = true): BuiltLeg {
  return { platform: p, outDir: '', metadataFile: '', ok, attestations: [], startedAt: 0, durationMs };
}
const entry = (platform: string, strategy: PlatformPlan['strategy'], savings?: PlatformPlan['savings']): PlatformPlan => ({
  platform,
  strategy,
  language: 'go',
  emulatedSteps: [],
  rewrite: null,
  reasons: [],
  cacheScope: platform,
  ...(savings ? { savings } : {})
});
const RATIO = { ratio: 3.8, source: 'bench' };

test.each([
  [
    'emulated arm64 beside a native amd64 leg: cross is the native leg (this run)',
    [entry('linux/amd64', 'native'), entry('linux/arm64', 'emulated', { emulatedRuns: 1, built: 'emulated', ...RATIO })],
    [50_000, 200_000],
    { built: 'emulated', legMs: 200_000, emulatedMs: 200_000, crossMs: 50_000, ratio: 4, basis: 'this run', source: 'this run: the linux/amd64 leg (native) took 50.0 s' }
  ],
  [
    'rewritten arm64 beside a native amd64 leg: emulated from the measured ratio',
    [entry('linux/amd64', 'native'), entry('linux/arm64', 'cross', { emulatedRuns: 1, built: 'cross', ...RATIO })],
    [50_000, 60_000],
    { built: 'cross', legMs: 60_000, crossMs: 60_000, emulatedMs: 228_000, ratio: 3.8, basis: 'measured ratio', source: 'bench' }
  ],
  [
    'rewritten arm64 beside an emulated arm/v7 leg: emulated is that leg (this run)',
    [entry('linux/arm64', 'cross', { emulatedRuns: 1, built: 'cross', ...RATIO }), entry('linux/arm/v7', 'emulated', { emulatedRuns: 1, built: 'emulated', ...RATIO })],
    [60_000, 240_000],
    { built: 'cross', legMs: 60_000, crossMs: 60_000, emulatedMs: 240_000, ratio: 4, basis: 'this run', source: 'this run: the linux/arm/v7 leg (emulated) took 240.0 s' }
  ],
  [
    'emulated arm64 alone, no ratio for the language: the measured leg only',
    [entry('linux/arm64', 'emulated', { emulatedRuns: 2, built: 'emulated', source: 'no measured ratio for jvm yet' })],
    [100_000],
    { built: 'emulated', legMs: 100_000, emulatedMs: 100_000, emulatedRuns: 2, source: 'no measured ratio for jvm yet' }
  ],
  [
    'rewritten arm64 alone, no ratio for the language: the measured leg only',
    [entry('linux/arm64', 'cross', { emulatedRuns: 1, built: 'cross', source: 'no measured ratio for node yet' })],
    [12_000],
    { built: 'cross', legMs: 12_000, crossMs: 12_000, emulatedRuns: 1, source: 'no measured ratio for node yet' }
  ]
])('%s', (_name, platforms, durations, expected) => {
  const legs = platforms.map((p, i) => leg(p, durations[i]!));
  // The platform under test is the one whose measured leg the expectation names.
  const measured = measureSavings(platforms, legs).find((p) => p.savings?.legMs === expected.legMs && p.savings.built === expected.built)!;
  expect(measured.savings).toMatchObject(expected);
});

test('a failed leg gets no times', () => {
  const platforms = [entry('linux/arm64', 'emulated', { emulatedRuns: 1, built: 'emulated', ...RATIO })];
  expect(measureSavings(platforms, [leg(platforms[0]!, 1000, false)])[0]!.savings).toEqual(platforms[0]!.savings);
});

test('the summary shows the measured leg beside the estimate, and the source', () => {
  const platforms = measureSavings([entry('linux/amd64', 'native'), entry('linux/arm64', 'cross', { emulatedRuns: 1, built: 'cross', ...RATIO })], []);
  const measured = measureSavings(platforms, platforms.map((p, i) => leg(p, [50_000, 60_000][i]!)));
  const md = renderSavings({ image: 'x', tags: [], pushed: false, legs: [], logs: {}, durationMs: 0, plan: { platforms: measured, languages: ['go'], qemu: [], warnings: [], dockerfile: 'Dockerfile' } })!;
  expect(md.split('\n').slice(2)).toEqual([
    '| Platform | Built | Emulated | Cross | Saved | Estimate from |',
    '| --- | --- | --- | --- | --- | --- |',
    '| `linux/arm64` | cross (rewritten) | ~228 s (estimate) | 60 s | ~168 s | 3.8× bench |'
  ]);
});

// With no ratio for the language there is nothing to estimate from, but the leg that ran was
// measured: its time still stands in its column.
test.each([
  ['cross', 12_000, '| `linux/arm64` | cross (rewritten) | – | 12 s | – | no measured ratio for node yet |'],
  ['emulated', 100_000, '| `linux/arm64` | emulated | 100 s | – | – | no measured ratio for node yet |']
] as const)('no ratio for the language: the summary still shows the %s leg it measured', (built, ms, row) => {
  const platforms = [entry('linux/arm64', built, { emulatedRuns: 1, built, source: 'no measured ratio for node yet' })];
  const measured = measureSavings(platforms, [leg(platforms[0]!, ms)]);
  const md = renderSavings({ image: 'x', tags: [], pushed: false, legs: [], logs: {}, durationMs: 0, plan: { platforms: measured, languages: ['node'], qemu: [], warnings: [], dockerfile: 'Dockerfile' } })!;
  expect(md.split('\n').at(-1)).toBe(row);
});
