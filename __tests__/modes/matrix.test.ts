/** Plan → matrix: which runner each leg job runs on, and what the plan says it does there. */
import { parseRunner, resolveMatrix, runnerNodes } from '../../src/modes/matrix.js';
import { df, GO_FILES, plan } from '../plan/helpers.js';

const DEFAULT_RUNNERS = { 'linux/amd64': 'ubuntu-24.04', 'linux/arm64': 'ubuntu-24.04-arm' };
/** A Go compile in a build stage: emulated off its native runner, unless the rewrite makes it cross. */
const GO = df('FROM golang:1.22 AS build', 'WORKDIR /src', 'COPY . .', 'RUN go build -o /app .', 'FROM busybox:1.35', 'COPY --from=build /app /app', 'ENTRYPOINT ["/app"]');

function planWith(platforms: string[], runners: Record<string, string>, defaultRunner: string) {
  const { nodes, hostPlatforms } = runnerNodes(runners, defaultRunner);
  return plan(GO, { platforms, nativePlatforms: hostPlatforms, nodes, files: GO_FILES, crossCompile: 'off' });
}

test('each platform goes to its native runner and is planned native there', () => {
  const p = planWith(['linux/amd64', 'linux/arm64'], DEFAULT_RUNNERS, 'ubuntu-24.04');
  expect(resolveMatrix(p, DEFAULT_RUNNERS, 'ubuntu-24.04')).toEqual({
    include: [
      { platform: 'linux/amd64', runner: 'ubuntu-24.04' },
      { platform: 'linux/arm64', runner: 'ubuntu-24.04-arm' }
    ]
  });
  expect(p.platforms.map((x) => x.strategy)).toEqual(['native', 'native']);
});

test('a platform with no native runner runs on the default runner, emulated or cross as planned', () => {
  const platforms = ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/s390x'];
  const p = planWith(platforms, DEFAULT_RUNNERS, 'ubuntu-24.04');
  const m = resolveMatrix(p, DEFAULT_RUNNERS, 'ubuntu-24.04');
  expect(m.include.map((e) => [e.platform, e.runner])).toEqual([
    ['linux/amd64', 'ubuntu-24.04'],
    ['linux/arm64', 'ubuntu-24.04-arm'],
    ['linux/arm/v7', 'ubuntu-24.04'],
    ['linux/s390x', 'ubuntu-24.04']
  ]);
  expect(p.platforms.map((x) => x.strategy)).toEqual(['native', 'native', 'emulated', 'emulated']);
  // With the rewrite on, the same Go compile is cross on the default runner.
  const { nodes, hostPlatforms } = runnerNodes(DEFAULT_RUNNERS, 'ubuntu-24.04');
  const cross = plan(GO, { platforms, nativePlatforms: hostPlatforms, nodes, files: GO_FILES, crossCompile: 'auto' });
  expect(cross.platforms.map((x) => x.strategy)).toEqual(['native', 'native', 'cross', 'cross']);
});

test('self-hosted runners: a JSON array of labels becomes an array in the matrix', () => {
  const runners = { 'linux/arm64': '["self-hosted","ARM64"]', 'linux/amd64': 'ubuntu-24.04' };
  const p = planWith(['linux/amd64', 'linux/arm64', 'linux/ppc64le'], runners, '["self-hosted", "x64"]');
  expect(resolveMatrix(p, runners, '["self-hosted", "x64"]').include).toEqual([
    { platform: 'linux/amd64', runner: 'ubuntu-24.04' },
    { platform: 'linux/arm64', runner: ['self-hosted', 'ARM64'] },
    { platform: 'linux/ppc64le', runner: ['self-hosted', 'x64'] }
  ]);
});

test('no runners at all: every leg on the default runner, amd64 assumed native', () => {
  const p = planWith(['linux/amd64', 'linux/arm64'], {}, 'ubuntu-24.04');
  expect(resolveMatrix(p, {}, 'ubuntu-24.04').include.map((e) => e.runner)).toEqual(['ubuntu-24.04', 'ubuntu-24.04']);
  expect(p.platforms.map((x) => x.strategy)).toEqual(['native', 'emulated']);
});

test('the default runner is the host of other legs when runners name it for a platform', () => {
  // An arm64 default runner: arm/v7 is planned on an arm64 host, and amd64 is emulated there.
  const runners = { 'linux/arm64': 'ubuntu-24.04-arm' };
  expect(runnerNodes(runners, 'ubuntu-24.04-arm').hostPlatforms).toEqual(['linux/arm64']);
  const p = planWith(['linux/amd64', 'linux/arm64'], runners, 'ubuntu-24.04-arm');
  expect(p.platforms.map((x) => x.strategy)).toEqual(['emulated', 'native']);
});

test.each([
  ['ubuntu-24.04', 'ubuntu-24.04'],
  [' ubuntu-24.04-arm ', 'ubuntu-24.04-arm'],
  ['["self-hosted","linux","ARM64"]', ['self-hosted', 'linux', 'ARM64']]
])('parseRunner(%j)', (text, expected) => {
  expect(parseRunner(text)).toEqual(expected);
});

test.each([
  ['', /is not a runner label/],
  ['ubuntu latest', /is not a runner label/],
  ['["self-hosted",', /is not a JSON array of labels/],
  ['[]', /non-empty JSON array of label strings/],
  ['["a", 3]', /non-empty JSON array of label strings/]
])('parseRunner rejects %j', (text, message) => {
  expect(() => parseRunner(text)).toThrow(message);
});

test('the plan step\'s summary names each leg\'s runner, escaped', async () => {
  const { renderMarkdown } = await import('../../src/report/render.js');
  const runners = { 'linux/arm64': '["self-hosted","arm_64"]' };
  const p = planWith(['linux/amd64', 'linux/arm64'], runners, 'ubuntu-24.04');
  const matrix = resolveMatrix(p, runners, 'ubuntu-24.04');
  const md = renderMarkdown({ mode: 'plan', image: 'app', tags: [], pushed: false, legs: [], logs: {}, durationMs: 0, plan: p, matrix });
  expect(md).toContain('**Leg runners:** `linux/amd64` → ubuntu-24.04; `linux/arm64` → \\[self-hosted, arm\\_64\\]');
});
