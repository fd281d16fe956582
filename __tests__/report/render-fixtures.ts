/**
 * Three runs as the summary sees them: one that passed, one whose verification failed, one
 * whose leg failed. Shared by the structure test and the browser test of the rendered summary.
 */
import type { BuiltLeg, PlatformPlan, PlatformVerification, RunReport } from '../../src/types/plan.js';

const REPO = 'localhost:5000/team/app';
const INDEX = 'sha256:' + 'a1'.repeat(32);
const AMD64 = 'sha256:' + 'b2'.repeat(32);
const ARM64 = 'sha256:' + 'c3'.repeat(32);

function platformPlan(platform: string, extra: Partial<PlatformPlan> = {}): PlatformPlan {
  return { platform, strategy: 'native', language: 'go', emulatedSteps: [], rewrite: null, reasons: [], cacheScope: `app-${platform.replace(/\//g, '-')}`, ...extra };
}

const amd64 = platformPlan('linux/amd64', { reasons: ['the runner is linux/amd64'] });
const arm64 = platformPlan('linux/arm64', {
  strategy: 'cross',
  reasons: ['`RUN go build` at Dockerfile:7 would run under QEMU', 'rewritten to cross-compile: FROM --platform=$BUILDPLATFORM'],
  rewrite: { kind: 'go', line: 3, diff: '-FROM golang:1.23\n+FROM --platform=$BUILDPLATFORM golang:1.23\n+ARG TARGETOS TARGETARCH' },
  savings: { emulatedRuns: 1, built: 'cross', ratio: 3.8, source: 'measured by this project (bench/results/strategy.md): `go build` | under QEMU', legMs: 61_500, crossMs: 61_500, emulatedMs: 233_700, basis: 'measured ratio' }
});

function builtLeg(p: PlatformPlan, digest: string | undefined, startedAt: number, durationMs: number, extra: Partial<BuiltLeg> = {}): BuiltLeg {
  return {
    platform: p,
    outDir: `/tmp/legs/${p.platform}`,
    metadataFile: `/tmp/legs/${p.platform}.json`,
    ok: digest !== undefined,
    ...(digest ? { digest, manifest: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 1234 } } : {}),
    attestations: [],
    startedAt,
    durationMs,
    compressedSize: digest ? 9_876_543 : undefined,
    ...extra
  };
}

function attestation(n: string) {
  return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:' + n.repeat(64 / n.length), size: 567 };
}

function verified(platform: string, digest: string, failed?: { name: string; expected: string; actual: string; detail: string }): PlatformVerification {
  const checks = [
    { name: 'platform', ok: true, expected: platform, actual: platform },
    { name: 'entrypoint', ok: true, expected: 'present', actual: '/app/server' },
    { name: 'elf-arch', ok: true, expected: platform === 'linux/amd64' ? 'x86-64' : 'aarch64', actual: platform === 'linux/amd64' ? 'x86-64' : 'aarch64' },
    { name: 'smoke', ok: true, skipped: true }
  ];
  if (failed) checks[2] = { ...failed, ok: false };
  return { platform, digest, checks, ok: !failed };
}

const plan = { platforms: [amd64, arm64], languages: ['go'], qemu: [], warnings: [{ file: 'Dockerfile', line: 7, message: 'RUN go build compiles in the target stage', hint: 'build in a stage FROM --platform=$BUILDPLATFORM', diff: '--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1 +1 @@\n-FROM golang:1.23 AS build\n+FROM --platform=$BUILDPLATFORM golang:1.23 AS build\n' }], dockerfile: '/tmp/Dockerfile.multiarch' };
const engine = { dockerVersion: '28.5.2', store: 'containerd' as const, storageDriver: 'overlayfs', buildxVersion: '0.29.1', qemuVersion: '7.2.13 (Debian 1:7.2+dfsg-7+deb12u7)' };
const builder = { name: 'multiarch-42-ab', driver: 'docker-container', created: true, legExport: 'oci' as const, buildkitVersion: '0.31.2', image: 'moby/buildkit:v0.31.2', lost: [] };

/** Two platforms built, pushed by digest, merged, verified and tagged, with provenance beside each. */
export const passing: RunReport = {
  image: `${REPO}:1.2.3`,
  tags: [`${REPO}:1.2.3`, `${REPO}:latest`],
  pushed: true,
  plan,
  legs: [
    builtLeg(amd64, AMD64, 1_700_000_000_000, 41_200, { attestations: [attestation('d4')], cache: { steps: 12, cached: 9 } }),
    builtLeg(arm64, ARM64, 1_700_000_000_350, 52_900, { attestations: [attestation('e5')], cache: { steps: 12, cached: 4 } })
  ],
  index: { digest: INDEX, mediaType: 'application/vnd.oci.image.index.v1+json', size: 1590, bytes: Buffer.from('{}'), platforms: [], attestations: [] },
  verification: { platforms: [verified('linux/amd64', AMD64), verified('linux/arm64', ARM64)], extra: [], ok: true },
  tagged: { tags: [`${REPO}:1.2.3`, `${REPO}:latest`], moved: true, movedTags: [`${REPO}:1.2.3`, `${REPO}:latest`] },
  logs: {},
  durationMs: 98_000,
  engine,
  builder,
  sboms: [
    { platform: 'linux/amd64', attestation: attestation('d4').digest, packages: 3 },
    { platform: 'linux/arm64', attestation: attestation('e5').digest, packages: 1 }
  ]
};

/**
 * arm64's manifest holds an x86-64 binary: the tags stay where they were. The check's text
 * carries a pipe, a backtick and markup, as a real ELF reading of a hostile image could.
 */
export const failedCheck: RunReport = {
  ...passing,
  verification: {
    platforms: [
      verified('linux/amd64', AMD64),
      verified('linux/arm64', ARM64, { name: 'elf-arch', expected: 'aarch64', actual: 'x86-64 | `EM_X86_64`', detail: 'entrypoint /app/server is <b>x86-64</b>' })
    ],
    extra: [],
    ok: false
  },
  tagged: { tags: passing.tags, moved: false, reason: 'verification failed for linux/arm64: no tag moved' },
  error: 'verification failed: linux/arm64 elf-arch expected aarch64, got x86-64'
};

/** arm64's leg failed to build; its log (with a fence, a pipe and a closing tag in it) goes in <details>. */
export const failedLeg: RunReport = {
  image: `${REPO}:1.2.3`,
  tags: [`${REPO}:1.2.3`],
  pushed: false,
  plan: { ...plan, platforms: [amd64, platformPlan('linux/arm64', { strategy: 'emulated', reasons: ['no cross-compile rewrite for this Dockerfile'] })], qemu: ['linux/arm64'] },
  legs: [
    builtLeg(amd64, AMD64, 1_700_000_000_000, 3_200),
    builtLeg(platformPlan('linux/arm64', { strategy: 'emulated' }), undefined, 1_700_000_000_120, 4_700, { error: 'process "/bin/sh -c go build ./..." did not complete successfully: exit code: 1' })
  ],
  logs: {
    'linux/arm64': [
      '#12 [build 4/5] RUN go build -o /app/server ./cmd/server',
      '#12 0.512 ./main.go:9:2: undefined: frobnicate | see ```go doc``` </details>',
      '```',
      '#12 ERROR: process "/bin/sh -c go build" did not complete successfully: exit code: 1'
    ].join('\n')
  },
  durationMs: 9_000,
  engine,
  builder: { ...builder, name: 'default', driver: 'docker', created: false, legExport: 'docker-load', image: undefined, fallback: 'the docker-container builder could not start: pull access denied', lost: ['attestations (provenance, SBOM)'] },
  sboms: [{ platform: 'linux/amd64', note: 'none: the docker driver on the classic image store makes no attestations' }],
  error: 'leg linux/arm64 failed: exit code: 1'
};

/**
 * Passing, but arm64 holds foreign binaries nothing loads: the binaries check passes with
 * warnings, whose text (paths and Dockerfile steps from the image) carries markup and pipes.
 */
export const warned: RunReport = {
  ...passing,
  verification: {
    platforms: [
      verified('linux/amd64', AMD64),
      {
        ...verified('linux/arm64', ARM64),
        checks: [
          ...verified('linux/arm64', ARM64).checks,
          {
            name: 'binaries',
            ok: true,
            expected: 'no foreign ELF where linux/arm64 loads binaries from',
            actual: '812 ELF files; 2 foreign, none loaded',
            warnings: ['/opt/tools/x86/{tool, <b>x</b>}: amd64, not loaded from there (layer 3 of 4: RUN curl -L x | tar -x `y`)', '/srv/legacy.so: 386, not loaded from there (layer 2 of 4)']
          }
        ]
      }
    ],
    extra: [],
    ok: true
  }
};

export const fixtures = { passing, failedCheck, failedLeg, warned };
