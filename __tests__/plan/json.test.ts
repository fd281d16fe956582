/** toPlanJson: the documented shape, exactly, and nothing more. */
import { toPlanJson } from '../../src/plan/json.js';
import type { Plan } from '../../src/types/plan.js';
import { GO_FILES, df, plan } from './helpers.js';

test('toPlanJson produces exactly the documented shape', () => {
  const p: Plan = {
    platforms: [
      {
        platform: 'linux/arm64',
        strategy: 'emulated',
        language: 'go',
        emulatedSteps: [{ stage: 'build', line: 7, command: 'go build .', platform: 'linux/arm64' }],
        rewrite: { kind: 'go', line: 3, diff: '--- a\n', file: '/tmp/Dockerfile' },
        reasons: ['RUN go build at Dockerfile:7 (stage build) executes in linux/arm64, so it runs under QEMU'],
        cacheScope: 'app-linux-arm64',
        node: 'arm',
        savings: { emulatedRuns: 1, built: 'emulated', ratio: 3.8, source: 'bench', legMs: 200000, emulatedMs: 200000, crossMs: 52632, basis: 'measured ratio' }
      }
    ],
    languages: ['go'],
    qemu: ['linux/arm64'],
    warnings: [
      { file: 'Dockerfile', line: 3, message: 'stage build is pinned to linux/amd64' },
      { file: 'Dockerfile', line: 7, message: 'go build runs under QEMU', hint: 'pin the stage', diff: '--- a/Dockerfile' }
    ],
    dockerfile: 'Dockerfile',
    rewrittenText: 'FROM x\n'
  };
  const json = toPlanJson(p);
  expect(JSON.stringify(json)).toBe(
    '{"platforms":[{"platform":"linux/arm64","strategy":"emulated","language":"go","emulatedSteps":[{"stage":"build","line":7}],' +
      '"rewrite":{"kind":"go","line":3},"fallback":null,' +
      '"savings":{"emulatedRuns":1,"built":"emulated","ratio":3.8,"source":"bench","legMs":200000,"emulatedMs":200000,"crossMs":52632,"basis":"measured ratio"},' +
      '"reasons":["RUN go build at Dockerfile:7 (stage build) executes in linux/arm64, so it runs under QEMU"]}],' +
      '"languages":["go"],"qemu":["linux/arm64"],' +
      '"warnings":[{"file":"Dockerfile","line":3,"message":"stage build is pinned to linux/amd64"},{"file":"Dockerfile","line":7,"message":"go build runs under QEMU. Fix: pin the stage","diff":"--- a/Dockerfile"}]}'
  );
});

test('a leg without a rewrite has "rewrite": null', () => {
  const json = toPlanJson(plan(df('FROM scratch', 'COPY app /app'), { files: GO_FILES }));
  expect(json.platforms.map((p) => p.rewrite)).toEqual([null, null]);
  expect(Object.keys(json)).toEqual(['platforms', 'languages', 'qemu', 'warnings']);
  expect(Object.keys(json.platforms[0]!)).toEqual(['platform', 'strategy', 'language', 'emulatedSteps', 'rewrite', 'fallback', 'savings', 'reasons']);
});
