/**
 * Rewrite reach, decided from what leaves the pinned stages: build-only packages in a shared base
 * stage, Go wrappers that honour GOOS/GOARCH, Node install stages, and the platform ARGs a stage
 * uses without declaring. Each case: the Dockerfile, the verdict for linux/arm64 on an amd64
 * builder, and a phrase of the reason.
 */
import { GO_FILES, df, plan } from './helpers.js';

const goBase = (install: string, ...rest: string[]) =>
  df(
    'FROM golang:1.22-alpine AS base',
    `RUN ${install}`,
    'WORKDIR /src',
    'COPY go.mod ./',
    'RUN go mod download',
    'FROM base AS build',
    'COPY . .',
    'RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app',
    'FROM alpine:3.20',
    ...rest
  );

describe('build-only packages in a base stage shared by the build stage', () => {
  test.each([
    ['apk add git file make; only /out/app leaves', goBase('apk add --no-cache git file make', 'COPY --from=build /out/app /usr/local/bin/app'), 'cross', 'the packages it installs (file make) stay in the pinned stages: only /out/app leaves them'],
    ['apt-get install build-essential with CGO_ENABLED=0', goBase('apt-get update && apt-get install -y build-essential', 'COPY --from=build /out/app /usr/local/bin/app'), 'cross', 'the packages it installs (build-essential) stay in the pinned stages'],
    ['certificates copied out of /etc are data', goBase('apk add --no-cache git make ca-certificates', 'COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/', 'COPY --from=build /out/app /app'), 'cross', 'only /etc/ssl/certs/ca-certificates.crt, /out/app leaves them'],
    ['a binary from /usr/bin leaves', goBase('apk add --no-cache git file', 'COPY --from=build /out/app /usr/local/bin/app', 'COPY --from=build /usr/bin/file /usr/bin/file'), 'emulated', 'the packages it installs (file) (line 2), and COPY --from=build /usr/bin/file at line 11 takes /usr/bin, where packages put their files'],
    ['shared libraries by glob', goBase('apk add --no-cache libwebp', 'COPY --from=build /out/app /app', 'COPY --from=base /usr/lib/libwebp*.so* /usr/lib/'), 'emulated', 'takes /usr/lib, where packages put their files'],
    ['the whole stage leaves', goBase('apk add --no-cache git', 'COPY --from=build / /rootfs'), 'emulated', 'COPY --from=build / at line 10 takes the whole stage, base image and all'],
    ['the Go toolchain leaves', goBase('apk add --no-cache git', 'COPY --from=build /out/app /app', 'COPY --from=build /usr/local/go /usr/local/go'), 'emulated', 'takes /usr/local/go from the base image'],
    ['a mount of /usr from the stage', goBase('apk add --no-cache file', 'COPY --from=build /out/app /app', 'RUN --mount=from=base,source=/usr/lib,target=/x cp /x/libmagic.so.1 /usr/lib/'), 'emulated', 'RUN --mount=from=base /usr/lib at line 11 takes /usr/lib']
  ])('%s → %s', (_name, text, strategy, reason) => {
    const p = plan(text, { files: GO_FILES });
    expect(p.platforms[1]!.strategy).toBe(strategy);
    expect(p.platforms[1]!.reasons.join('\n')).toContain(reason);
  });

  test('a C toolchain without CGO_ENABLED=0 keeps the stage emulated: the build may use cgo', () => {
    const text = goBase('apk add --no-cache build-base', 'COPY --from=build /out/app /app').replace('CGO_ENABLED=0 go build', 'go build');
    const p = plan(text, { files: GO_FILES });
    expect(p.platforms[1]!.strategy).toBe('emulated');
    expect(p.platforms[1]!.reasons.join('\n')).toContain('RUN at line 2 (stage base) installs a C toolchain (build-base), so the build may use cgo; set CGO_ENABLED=0 in the stage if it does not');
  });

  test('both stages are pinned, and only the root FROM changes', () => {
    const p = plan(goBase('apk add --no-cache git file make', 'COPY --from=build /out/app /usr/local/bin/app'), { files: GO_FILES });
    expect(p.rewrittenText!.split('\n').filter((l) => l.startsWith('FROM'))).toEqual(['FROM --platform=$BUILDPLATFORM golang:1.22-alpine AS base', 'FROM base AS build', 'FROM alpine:3.20']);
  });
});

describe('Go wrappers', () => {
  const wrapped = (run: string, copy = '/src/caddy') => df('FROM caddy:2-builder AS builder', 'WORKDIR /src', `RUN ${run}`, 'FROM caddy:2', `COPY --from=builder ${copy} /usr/bin/caddy`);
  test.each([
    ['xcaddy build', 'xcaddy build --with github.com/caddy-dns/cloudflare --output /src/caddy', 'cross', 'cgo is not used'],
    ['goreleaser --single-target --output', 'goreleaser build --single-target --snapshot --output /src/caddy', 'cross', 'cgo is not used'],
    ['goreleaser without --output', 'goreleaser build --single-target --snapshot', 'emulated', 'without `--output` writes to a dist/ directory named after the target\'s GOARM/GOAMD64 level'],
    ['goreleaser without --single-target', 'goreleaser build --snapshot', 'emulated', 'builds every target of .goreleaser.yaml'],
    ['mage', 'mage build', 'emulated', '`mage` runs Go targets that decide for themselves how']
  ])('%s → %s', (_name, run, strategy, reason) => {
    const p = plan(wrapped(run), { files: GO_FILES });
    expect(p.platforms[1]!.strategy).toBe(strategy);
    expect(p.platforms[1]!.reasons.join('\n')).toContain(reason);
  });

  test('xcaddy gets GOOS/GOARCH/GOARM and CGO_ENABLED=0 in front of it', () => {
    const p = plan(wrapped('xcaddy build --output /src/caddy'), { files: GO_FILES });
    expect(p.rewrittenText).toContain('RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOARM=$([ "$TARGETARCH" = arm ] && echo "${TARGETVARIANT#v}") xcaddy build --output /src/caddy');
    expect(p.rewrittenText).toContain('FROM --platform=$BUILDPLATFORM caddy:2-builder AS builder\nARG TARGETOS TARGETARCH TARGETVARIANT\n');
  });
});

describe('Node install stages', () => {
  const lock = (packages: Record<string, object>) => JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'app' }, ...packages } });
  const PURE = { 'package.json': '{"name":"app"}', 'package-lock.json': lock({ 'node_modules/express': { version: '4.19.2' } }) };
  const ESBUILD = { 'package.json': '{"name":"app"}', 'package-lock.json': lock({ 'node_modules/@esbuild/linux-x64': { version: '0.20.2', cpu: ['x64'], os: ['linux'], optional: true } }) };
  const node = (build: string, copies: string[]) => df('FROM node:20 AS build', 'WORKDIR /app', 'COPY . .', `RUN ${build}`, 'FROM node:20-slim', 'WORKDIR /app', ...copies, 'CMD ["node", "dist/server.js"]');
  test.each([
    ['node_modules leaves, pure JavaScript lockfile', node('npm ci', ['COPY --from=build /app/node_modules ./node_modules', 'COPY --from=build /app/dist ./dist']), PURE, 'cross', 'the whole-image check and the fallback catch what the lockfile does not record'],
    ['node_modules leaves, esbuild per-arch package', node('npm ci', ['COPY --from=build /app/node_modules ./node_modules']), ESBUILD, 'emulated', '@esbuild/linux-x64 ships per-architecture binaries'],
    ['only dist leaves: esbuild ran on the build platform, its output is JavaScript', node('npm ci && npm run build', ['COPY --from=build /app/dist ./dist']), ESBUILD, 'cross', 'only build output (/app/dist) leaves the pinned stages'],
    ['the whole app dir leaves (node_modules with it)', node('npm ci && npm run build', ['COPY --from=build /app /app']), ESBUILD, 'emulated', 'COPY --from=build /app at line 7 may take node_modules'],
    ['yarn.lock only: can\'t be ruled out', node('yarn install --frozen-lockfile', ['COPY --from=build /app/node_modules ./node_modules']), { 'package.json': '{}', 'yarn.lock': '' }, 'emulated', "the lockfile can't show it is the same on every platform (yarn.lock records no install scripts"],
    ['the project builds its own addon', node('npm ci', ['COPY --from=build /app/dist ./dist']), { ...PURE, 'binding.gyp': '{}' }, 'emulated', 'the project itself builds native code (binding.gyp builds a native addon)'],
    ['npm rebuild', node('npm ci && npm rebuild', ['COPY --from=build /app/dist ./dist']), PURE, 'emulated', '`npm rebuild` builds native addons'],
    ['a package the lockfile does not describe', node('npm install sharp', ['COPY --from=build /app/dist ./dist']), PURE, 'emulated', 'adds packages the lockfile does not describe'],
    ['a script run by node', node('npm ci && node scripts/fetch-binaries.js', ['COPY --from=build /app/dist ./dist']), PURE, 'emulated', '`node` runs a script whose output may depend on process.arch'],
    ['pkg makes an executable', node('npm ci && npx pkg .', ['COPY --from=build /app/dist ./dist']), PURE, 'emulated', '`npx pkg` packs a native executable']
  ])('%s → %s', (_name, text, files, strategy, reason) => {
    const p = plan(text, { files });
    expect(p.platforms[1]!.strategy).toBe(strategy);
    expect(p.platforms[1]!.reasons.join('\n')).toContain(reason);
    if (strategy === 'cross') expect(p.platforms[1]!.rewrite).toMatchObject({ kind: 'node', line: 1 });
  });
});

describe('platform ARGs used but never declared', () => {
  const pinned = df(
    'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
    'WORKDIR /src',
    'COPY . .',
    'RUN CGO_ENABLED=0 GOOS=linux GOARCH=$TARGETARCH go build -o /out/app .',
    'FROM alpine:3.20',
    'COPY --from=build /out/app /app'
  );

  test('the warning sits on the exact line and names the fix', () => {
    const p = plan(pinned, { files: GO_FILES });
    const w = p.warnings.find((x) => x.line === 4 && x.message.includes('never declares'));
    expect(w).toEqual({
      file: 'Dockerfile',
      line: 4,
      message: 'RUN CGO_ENABLED=0 GOOS=linux GOARCH=$TARGETARCH go build -o /out/app . uses $TARGETARCH, but stage build (line 1) never declares it, so it expands to empty (Go then builds for the machine the stage runs on)',
      hint: 'add `ARG TARGETARCH` right after line 1 (the stage\'s FROM); multiarch adds it in the rewritten copy it builds'
    });
  });

  test('the rewrite declares it, on every leg that reaches the stage', () => {
    const p = plan(pinned, { files: GO_FILES });
    expect(p.rewrittenText).toBe(pinned.replace('AS build\n', 'AS build\nARG TARGETARCH\n'));
    expect(p.platforms.map((x) => x.rewrite && { kind: x.rewrite.kind, line: x.rewrite.line })).toEqual([{ kind: 'arg', line: 4 }, { kind: 'arg', line: 4 }]);
    expect(p.platforms[1]!.reasons.join('\n')).toContain('declared ARG TARGETARCH in stage build (Dockerfile:1), which uses it at line 4 without declaring it');
  });

  test('with cross-compile off: the warning only, no rewrite', () => {
    const p = plan(pinned, { files: GO_FILES, crossCompile: 'off' });
    expect(p.rewrittenText).toBeUndefined();
    expect(p.warnings.find((x) => x.line === 4)?.hint).toBe('add `ARG TARGETARCH` right after line 1 (the stage\'s FROM)');
  });

  test.each([
    ['declared in the stage', ['ARG TARGETARCH', 'RUN GOARCH=$TARGETARCH go build -o /out/app .']],
    ['declared in the stage it builds on', ['ARG TARGETOS TARGETARCH', 'FROM base AS build', 'RUN GOARCH=${TARGETARCH} go build -o /out/app .']],
    ['set by the RUN itself', ['RUN TARGETARCH=$(uname -m) && echo $TARGETARCH']],
    ['an ENV sets it', ['ENV TARGETARCH=arm64', 'RUN GOARCH=$TARGETARCH go build -o /out/app .']]
  ])('no warning when %s', (_name, lines) => {
    const p = plan(df('FROM --platform=$BUILDPLATFORM golang:1.22 AS base', ...lines, 'FROM alpine:3.20', 'COPY --from=1 /out/app /app'), { files: GO_FILES });
    expect(p.warnings.filter((w) => w.message.includes('never declares'))).toEqual([]);
  });

  test.each([
    ['${TARGETOS} and $TARGETPLATFORM in a RUN', 'RUN echo ${TARGETOS} $TARGETPLATFORM > /out/platform', '$TARGETPLATFORM, $TARGETOS', 'ARG TARGETPLATFORM TARGETOS'],
    ['$BUILDPLATFORM and $TARGETVARIANT in an ENV', 'ENV FROM_PLATFORM=$BUILDPLATFORM VARIANT=$TARGETVARIANT', '$TARGETVARIANT, $BUILDPLATFORM', 'ARG TARGETVARIANT BUILDPLATFORM']
  ])('%s', (_name, line, vars, arg) => {
    const p = plan(df('FROM alpine:3.20', line), { files: GO_FILES });
    const w = p.warnings.find((x) => x.message.includes('never declares'))!;
    expect(w.line).toBe(2);
    expect(w.message).toContain(`uses ${vars}, but stage 0 (line 1) never declares them, so they expand to empty`);
    expect(p.rewrittenText).toContain(`FROM alpine:3.20\n${arg}\n`);
  });
});
