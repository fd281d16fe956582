/**
 * .NET and Zig are never rewritten (their toolchains don't run on the test stack); the hint on
 * the emulated compile carries the exact edit as a diff of the user's Dockerfile. The diffs are
 * compared as text, and applied back to the file with patch(1) to show they apply as is.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { df, plan } from './helpers.js';

const CSPROJ = '<Project Sdk="Microsoft.NET.Sdk.Web"><PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup></Project>';

const DOTNET = df(
  'FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build',
  'WORKDIR /src',
  'COPY *.csproj ./',
  'RUN dotnet restore -r linux-x64',
  'COPY . .',
  'RUN dotnet publish -c Release -r linux-x64 --no-restore -o /app',
  'FROM mcr.microsoft.com/dotnet/aspnet:8.0',
  'COPY --from=build /app /app',
  'ENTRYPOINT ["dotnet", "/app/app.dll"]'
);

function fixFor(text: string, files: Record<string, string>, line: number) {
  return plan(text, { files }).warnings.find((w) => w.line === line)!;
}

function applies(original: string, diff: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fix-diff-'));
  try {
    fs.writeFileSync(path.join(dir, 'Dockerfile'), original);
    execFileSync('patch', ['-p1', '--quiet'], { cwd: dir, input: diff });
    return fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('.NET', () => {
  test('-r linux-x64 on restore and publish: pin the SDK stage, declare TARGETARCH, -a $TARGETARCH', () => {
    const w = fixFor(DOTNET, { 'app.csproj': CSPROJ }, 6);
    expect(w.diff).toBe(
      [
        '--- a/Dockerfile',
        '+++ b/Dockerfile',
        '@@ -1,9 +1,10 @@',
        '-FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build',
        '+FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0 AS build',
        '+ARG TARGETARCH',
        ' WORKDIR /src',
        ' COPY *.csproj ./',
        '-RUN dotnet restore -r linux-x64',
        '+RUN dotnet restore -a $TARGETARCH',
        ' COPY . .',
        '-RUN dotnet publish -c Release -r linux-x64 --no-restore -o /app',
        '+RUN dotnet publish -c Release -a $TARGETARCH --no-restore -o /app',
        ' FROM mcr.microsoft.com/dotnet/aspnet:8.0',
        ' COPY --from=build /app /app',
        ' ENTRYPOINT ["dotnet", "/app/app.dll"]',
        ''
      ].join('\n')
    );
    expect(w.hint).toContain('add `ARG TARGETARCH` and publish with `dotnet publish -a $TARGETARCH` in place of a fixed runtime (the diff is the whole edit');
    expect(applies(DOTNET, w.diff!)).toContain('RUN dotnet publish -c Release -a $TARGETARCH --no-restore -o /app');
  });

  test.each([
    ['--use-current-runtime', 'RUN dotnet publish --use-current-runtime -o /app', 'RUN dotnet publish -a $TARGETARCH -o /app'],
    ['--ucr', 'RUN dotnet publish --ucr --self-contained false -o /app', 'RUN dotnet publish -a $TARGETARCH --self-contained false -o /app'],
    ['--runtime=linux-musl-x64', 'RUN dotnet publish --runtime=linux-musl-x64 -o /app', 'RUN dotnet publish --os linux-musl -a $TARGETARCH -o /app'],
    ['no runtime at all (the apphost would be the SDK machine\'s)', 'RUN dotnet publish -c Release -o /app', 'RUN dotnet publish -a $TARGETARCH -c Release -o /app'],
    ['-a already there', 'RUN dotnet publish -a $TARGETARCH -o /app', 'RUN dotnet publish -a $TARGETARCH -o /app']
  ])('%s', (_name, run, fixed) => {
    const text = df('FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build', 'ARG TARGETARCH', 'COPY . .', run, 'FROM mcr.microsoft.com/dotnet/aspnet:8.0', 'COPY --from=build /app /app');
    const w = fixFor(text, { 'app.csproj': CSPROJ }, 4);
    expect(applies(text, w.diff!)).toBe(text.replace('FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build', 'FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0 AS build').replace(run, fixed));
  });

  test('never for Native AOT: no diff, and the hint says why', () => {
    const w = fixFor(DOTNET, { 'app.csproj': CSPROJ.replace('</TargetFramework>', '</TargetFramework><PublishAot>true</PublishAot>') }, 6);
    expect(w.diff).toBeUndefined();
    expect(w.hint).toBe("Native AOT (app.csproj sets PublishAot) links with the target's native toolchain and can't cross-compile: build this platform on a native runner, or keep it emulated");
  });
});

describe('Zig', () => {
  const ZIG = df(
    'FROM alpine:3.20 AS build',
    'RUN apk add --no-cache zig',
    'WORKDIR /src',
    'COPY . .',
    'RUN zig build -Doptimize=ReleaseSmall',
    'FROM scratch',
    'COPY --from=build /src/zig-out/bin/app /app'
  );
  const BUILD_ZIG = 'pub fn build(b: *std.Build) void {\n    const target = b.standardTargetOptions(.{});\n    _ = target;\n}\n';

  test('standardTargetOptions: pin, declare TARGETARCH, -Dtarget per platform (musl for a scratch image)', () => {
    const w = plan(ZIG, { files: { 'build.zig': BUILD_ZIG }, platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'] }).warnings.find((x) => x.line === 5)!;
    expect(w.diff).toBe(
      [
        '--- a/Dockerfile',
        '+++ b/Dockerfile',
        '@@ -1,7 +1,8 @@',
        '-FROM alpine:3.20 AS build',
        '+FROM --platform=$BUILDPLATFORM alpine:3.20 AS build',
        '+ARG TARGETARCH',
        ' RUN apk add --no-cache zig',
        ' WORKDIR /src',
        ' COPY . .',
        '-RUN zig build -Doptimize=ReleaseSmall',
        '+RUN case "$TARGETARCH" in amd64) ZIG_TARGET=x86_64-linux-musl ;; arm64) ZIG_TARGET=aarch64-linux-musl ;; arm) ZIG_TARGET=arm-linux-musleabihf ;; esac && zig build -Dtarget=$ZIG_TARGET -Doptimize=ReleaseSmall',
        ' FROM scratch',
        ' COPY --from=build /src/zig-out/bin/app /app',
        ''
      ].join('\n')
    );
    expect(applies(ZIG, w.diff!)).toContain('zig build -Dtarget=$ZIG_TARGET -Doptimize=ReleaseSmall');
  });

  test('a glibc image gets -linux-gnu', () => {
    const w = plan(ZIG.replace('FROM scratch', 'FROM debian:bookworm-slim'), { files: { 'build.zig': BUILD_ZIG } }).warnings.find((x) => x.line === 5)!;
    expect(w.diff).toContain('+RUN case "$TARGETARCH" in amd64) ZIG_TARGET=x86_64-linux-gnu ;; arm64) ZIG_TARGET=aarch64-linux-gnu ;; esac && zig build -Dtarget=$ZIG_TARGET');
  });

  test('no standardTargetOptions: no diff, and the hint says what to add first', () => {
    const w = plan(ZIG, { files: { 'build.zig': 'pub fn build(b: *std.Build) void {}\n' } }).warnings.find((x) => x.line === 5)!;
    expect(w.diff).toBeUndefined();
    expect(w.hint).toContain('but build.zig does not call b.standardTargetOptions, so zig build ignores -Dtarget: add `const target = b.standardTargetOptions(.{});` and build with it first');
  });
});
