/**
 * decide() on real-world Dockerfile shapes. Each case states the plan it expects: strategy per
 * platform, the emulated RUNs, the rewrite, and the warnings (by line, with a phrase each).
 */
import type { DecideInput } from '../../src/plan/decide.js';
import type { RewriteKind, Strategy } from '../../src/types/plan.js';
import { GO_FILES, df, plan } from './helpers.js';

interface Case {
  name: string;
  dockerfile: string;
  input?: Partial<DecideInput> & { files?: Record<string, string> };
  strategies: Record<string, Strategy>;
  /** Emulated steps per platform as [stage, line]; platforms not listed have none. */
  emulated?: Record<string, [string, number][]>;
  /** Rewrite on the first non-native leg. */
  rewrite?: { kind: RewriteKind; line: number } | null;
  /** Every warning, as [line, phrase in message or hint]. */
  warnings?: [number, string][];
  language?: string;
  languages?: string[];
  /** Phrases expected among the reasons of a platform. */
  reasons?: Record<string, string[]>;
  qemu?: string[];
  node?: Record<string, string>;
  /** Phrases expected in the rewritten Dockerfile. */
  rewritten?: string[];
}

const GO_BUILD_STAGE = df(
  '# syntax=docker/dockerfile:1',
  'FROM golang:1.22-alpine AS build',
  'RUN apk add --no-cache git ca-certificates',
  'WORKDIR /src',
  'COPY go.mod go.sum ./',
  'RUN go mod download',
  'COPY . .',
  'RUN go build -ldflags "-s -w -X main.version=$(git describe --tags --always)" -o /out/app ./cmd/app',
  'FROM scratch',
  'COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/',
  'COPY --from=build /out/app /app'
);

const GO_SIMPLE = df(
  'FROM golang:1.22 AS build',
  'WORKDIR /src',
  'COPY . .',
  'RUN go build -o /out/app .',
  'FROM debian:bookworm-slim',
  'COPY --from=build /out/app /app'
);

const MULTI_TARGET = df(
  'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
  'ARG TARGETOS TARGETARCH',
  'COPY . .',
  'RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .',
  'FROM golang:1.22 AS test',
  'COPY . .',
  'RUN go test ./...',
  'FROM alpine:3.20 AS release',
  'COPY --from=build /out/app /app',
  'FROM release AS debug',
  'RUN apk add --no-cache curl'
);

const NODE_DEPS = df(
  'FROM node:20 AS deps',
  'WORKDIR /app',
  'COPY package.json package-lock.json ./',
  'RUN npm ci --omit=dev',
  'FROM node:20-slim',
  'WORKDIR /app',
  'COPY --from=deps /app/node_modules ./node_modules',
  'COPY . .',
  'CMD ["node", "server.js"]'
);
const lock = (packages: Record<string, object>) => JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'app' }, ...packages } });

const LITERAL_ARG = df(
  'ARG BUILDER=linux/amd64',
  'FROM --platform=$BUILDER golang:1.22 AS build',
  'RUN go build -o /out/app .',
  'FROM scratch',
  'COPY --from=build /out/app /app'
);

const HEREDOC = df(
  '# syntax=docker/dockerfile:1',
  'FROM golang:1.22 AS build',
  'WORKDIR /src',
  'COPY . .',
  'RUN <<EOF',
  'set -eu',
  'go mod download',
  'CGO_ENABLED=0 go build -trimpath -o /out/app ./cmd/app',
  'EOF',
  'FROM gcr.io/distroless/static-debian12',
  'COPY --from=build /out/app /app'
);

const cases: Case[] = [
  {
    name: 'Go already pinned to $BUILDPLATFORM with GOOS/GOARCH is cross',
    dockerfile: df(
      'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
      'ARG TARGETOS TARGETARCH',
      'WORKDIR /src',
      'COPY . .',
      'RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .',
      'FROM gcr.io/distroless/static-debian12',
      'COPY --from=build /out/app /app'
    ),
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    rewrite: null,
    warnings: [],
    languages: ['go'],
    qemu: [],
    reasons: { 'linux/arm64': ['no reachable RUN executes in linux/arm64: all 1 run on the build platform linux/amd64'] }
  },
  {
    name: 'Go compiling in a target-platform stage is rewritten to a cross compile',
    dockerfile: GO_BUILD_STAGE,
    input: { files: GO_FILES },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    rewrite: { kind: 'go', line: 2 },
    warnings: [],
    qemu: [],
    language: 'go',
    reasons: { 'linux/arm64': ['cross-compile: pinned stage build (Dockerfile:2) to $BUILDPLATFORM', 'no Go source in the context imports "C"'] },
    rewritten: ['FROM --platform=$BUILDPLATFORM golang:1.22-alpine AS build\nARG TARGETOS TARGETARCH TARGETVARIANT\n', 'GOARCH=$TARGETARCH GOARM=']
  },
  {
    name: 'with cross-compile off the same file stays emulated and says what auto would do',
    dockerfile: GO_BUILD_STAGE,
    input: { files: GO_FILES, crossCompile: 'off' },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['build', 3], ['build', 6], ['build', 8]] },
    rewrite: null,
    warnings: [[8, 'set cross-compile: auto']],
    qemu: ['linux/arm64'],
    reasons: {
      'linux/arm64': [
        'RUN go build -ldflags -s -w -X main.version=$(git describe --ta… at Dockerfile:8 (stage build) executes in linux/arm64, so it runs under QEMU',
        'cross-compile is off; with auto, multiarch would pin stage build'
      ]
    }
  },
  {
    name: 'cgo Go (import "C") is never rewritten',
    dockerfile: GO_SIMPLE,
    input: { files: { ...GO_FILES, 'db.go': 'package main\n\n// #include <sqlite3.h>\nimport "C"\n' } },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['build', 4]] },
    rewrite: null,
    warnings: [[4, 'db.go imports "C"']],
    reasons: { 'linux/arm64': ['did not rewrite stage build (Dockerfile:1) for cross-compiling: the build uses cgo (db.go imports "C"), which needs a C cross toolchain'] }
  },
  {
    name: 'a cgo-only module in go.mod blocks the rewrite',
    dockerfile: GO_SIMPLE,
    input: { files: { ...GO_FILES, 'go.mod': 'module x\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n' } },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['build', 4]] },
    rewrite: null,
    warnings: [[4, 'requires github.com/mattn/go-sqlite3']]
  },
  {
    name: 'without a build context cgo is unknown, so no rewrite unless CGO_ENABLED=0',
    dockerfile: GO_SIMPLE,
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['build', 4]] },
    rewrite: null,
    warnings: [[4, "cgo can't be ruled out (there is no build context to scan); set CGO_ENABLED=0 in the stage if the build doesn't need it"]]
  },
  {
    name: 'CGO_ENABLED=0 in ENV proves the build is cgo-free even without a context',
    dockerfile: df('FROM golang:1.22 AS build', 'ENV CGO_ENABLED=0', 'COPY . .', 'RUN go build -o /out/app .', 'FROM scratch', 'COPY --from=build /out/app /app'),
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    rewrite: { kind: 'go', line: 1 },
    warnings: [],
    reasons: { 'linux/arm64': ['cgo is off (CGO_ENABLED=0 at line 2)'] }
  },
  {
    name: 'go test in the build stage keeps it emulated',
    dockerfile: df(
      'FROM golang:1.22 AS build',
      'WORKDIR /src',
      'COPY . .',
      'RUN CGO_ENABLED=0 go build -o /out/app .',
      'RUN go test ./...',
      'FROM scratch',
      'COPY --from=build /out/app /app'
    ),
    input: { files: GO_FILES },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['build', 4], ['build', 5]] },
    rewrite: null,
    warnings: [[4, '`go test` runs the compiled tests']]
  },
  {
    name: 'a stage that executes the binary it just built stays emulated',
    dockerfile: df('FROM golang:1.22 AS build', 'ENV CGO_ENABLED=0', 'COPY . .', 'RUN go build -o /out/app . && /out/app --version', 'FROM scratch', 'COPY --from=build /out/app /app'),
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['build', 4]] },
    rewrite: null,
    warnings: [[4, 'it runs `/out/app`, which may be a program built for the target']]
  },
  {
    name: 'Go compiled in the final stage can not be pinned',
    dockerfile: df('FROM golang:1.22', 'WORKDIR /app', 'COPY . .', 'RUN CGO_ENABLED=0 go build -o /usr/local/bin/app .', 'CMD ["app"]'),
    input: { files: GO_FILES },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['0', 4]] },
    rewrite: null,
    warnings: [[4, 'move it out of the final stage']],
    reasons: { 'linux/arm64': ['the compile runs in the final stage, which is the image itself'] }
  },
  {
    name: 'after the rewrite a light RUN apk add in the final stage keeps the leg emulated, cheaply',
    dockerfile: df(
      'FROM golang:1.22 AS build',
      'COPY . .',
      'RUN CGO_ENABLED=0 go build -o /out/app .',
      'FROM alpine:3.20',
      'RUN apk add --no-cache ca-certificates tzdata',
      'COPY --from=build /out/app /app'
    ),
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['1', 5]] },
    rewrite: { kind: 'go', line: 1 },
    warnings: [],
    reasons: { 'linux/arm64': ['a light RUN in the final stage still needs QEMU; cheap (RUN apk add --no-cache ca-certificates tzdata at Dockerfile:5)'] }
  },
  {
    name: 'Maven build stage is pinned to $BUILDPLATFORM',
    dockerfile: df(
      'FROM maven:3.9-eclipse-temurin-21 AS build',
      'WORKDIR /app',
      'COPY pom.xml .',
      'RUN mvn -B dependency:go-offline',
      'COPY src ./src',
      'RUN mvn -B package -DskipTests',
      'FROM eclipse-temurin:21-jre',
      'COPY --from=build /app/target/app.jar /app.jar',
      'ENTRYPOINT ["java", "-jar", "/app.jar"]'
    ),
    input: { files: { 'pom.xml': '<project/>' } },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    rewrite: { kind: 'jvm', line: 1 },
    warnings: [],
    language: 'jvm',
    rewritten: ['FROM --platform=$BUILDPLATFORM maven:3.9-eclipse-temurin-21 AS build\n'],
    reasons: { 'linux/arm64': ['Java bytecode is the same on every platform'] }
  },
  {
    name: 'Gradle with GraalVM native-image is not rewritten',
    dockerfile: df(
      'FROM gradle:8-jdk21 AS build',
      'WORKDIR /src',
      'COPY . .',
      'RUN gradle nativeCompile --no-daemon',
      'FROM debian:bookworm-slim',
      'COPY --from=build /src/build/native/nativeCompile/app /app'
    ),
    input: { files: { 'build.gradle.kts': '' } },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['build', 4]] },
    rewrite: null,
    warnings: [[4, 'GraalVM native-image emits machine code']],
    reasons: { 'linux/arm64': ['builds a GraalVM native image'] }
  },
  {
    name: 'Node without native addons: the install stage is pinned to $BUILDPLATFORM (node_modules leaves it, the lockfile shows it is pure JavaScript)',
    dockerfile: NODE_DEPS,
    input: { files: { 'package.json': '{"name":"app","dependencies":{"express":"^4"}}', 'package-lock.json': lock({ 'node_modules/express': { version: '4.19.2' } }) } },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    rewrite: { kind: 'node', line: 1 },
    language: 'node',
    warnings: [],
    reasons: {
      'linux/arm64': [
        'cross-compile: pinned stage deps (Dockerfile:1) to $BUILDPLATFORM to install and build the JavaScript there; COPY --from=deps /app/node_modules at line 7 may take node_modules, and no dependency in package-lock.json has an install script or per-architecture binaries'
      ]
    },
    rewritten: ['FROM --platform=$BUILDPLATFORM node:20 AS deps']
  },
  {
    name: 'Node with cross-compile off: emulated, with a hint to install on $BUILDPLATFORM',
    dockerfile: NODE_DEPS,
    input: { crossCompile: 'off', files: { 'package.json': '{"name":"app","dependencies":{"express":"^4"}}', 'package-lock.json': lock({ 'node_modules/express': { version: '4.19.2' } }) } },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['deps', 4]] },
    rewrite: null,
    warnings: [[4, 'RUN npm ci --omit=dev at Dockerfile:4 (stage deps) runs Node.js builds and installs under QEMU for linux/arm64'], [4, 'so pin the stage with `FROM --platform=$BUILDPLATFORM node:20 AS deps`. Or set cross-compile: auto']]
  },
  {
    name: 'Node with a native addon must stay emulated and gets no hint',
    dockerfile: NODE_DEPS,
    input: { files: { 'package.json': '{"name":"app"}', 'package-lock.json': lock({ 'node_modules/bcrypt': { version: '5.1.1', hasInstallScript: true } }) } },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['deps', 4]] },
    warnings: [],
    reasons: { 'linux/arm64': ['Node.js: the install must run in the target architecture (bcrypt has an install script (package-lock.json))'] }
  },
  {
    name: 'Python pip install under emulation is fine and gets no warning',
    dockerfile: df('FROM python:3.12-slim', 'WORKDIR /app', 'COPY requirements.txt .', 'RUN pip install --no-cache-dir -r requirements.txt', 'COPY . .', 'CMD ["python", "app.py"]'),
    input: { files: { 'requirements.txt': 'flask\n', 'app.py': '' } },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['0', 4]] },
    warnings: [],
    language: 'python',
    languages: ['python'],
    reasons: { 'linux/arm64': ['Python: usually fine'] }
  },
  {
    name: 'C with CMake: emulated, with the native-node / xx hint',
    dockerfile: df(
      'FROM debian:bookworm AS build',
      'RUN apt-get update && apt-get install -y --no-install-recommends build-essential cmake',
      'WORKDIR /src',
      'COPY . .',
      'RUN cmake -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j',
      'FROM debian:bookworm-slim',
      'COPY --from=build /src/build/app /usr/local/bin/app'
    ),
    input: { files: { 'CMakeLists.txt': '', 'src/main.c': '' } },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['build', 2], ['build', 5]] },
    rewrite: null,
    language: 'c',
    warnings: [[5, 'build this platform on a native node or runner']]
  },
  {
    name: 'xx-style Rust cross build',
    dockerfile: df(
      'FROM --platform=$BUILDPLATFORM tonistiigi/xx:1.4 AS xx',
      'FROM --platform=$BUILDPLATFORM rust:1.79-slim AS build',
      'COPY --from=xx / /',
      'ARG TARGETPLATFORM',
      'RUN apt-get update && apt-get install -y clang lld',
      'RUN xx-apt-get install -y gcc libc6-dev',
      'WORKDIR /src',
      'COPY . .',
      'RUN xx-cargo build --release --target-dir /build && xx-verify /build/$(xx-cargo --print-target-triple)/release/app',
      'FROM scratch',
      'COPY --from=build /build/*/release/app /app'
    ),
    input: { files: { 'Cargo.toml': '' } },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    warnings: [],
    language: 'rust',
    qemu: []
  },
  {
    name: 'Rust compiled under emulation gets the xx-cargo hint',
    dockerfile: df('FROM rust:1.79 AS build', 'WORKDIR /src', 'COPY . .', 'RUN cargo build --release', 'FROM debian:bookworm-slim', 'COPY --from=build /src/target/release/app /app'),
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['build', 4]] },
    warnings: [[4, 'xx-cargo build --release']]
  },
  {
    name: 'Zig cross-compiles on $BUILDPLATFORM',
    dockerfile: df(
      'FROM --platform=$BUILDPLATFORM alpine:3.20 AS build',
      'RUN apk add --no-cache zig',
      'WORKDIR /src',
      'COPY . .',
      'ARG TARGETARCH',
      "RUN zig build -Doptimize=ReleaseSmall -Dtarget=$(echo $TARGETARCH | sed 's/amd64/x86_64/;s/arm64/aarch64/')-linux-musl",
      'FROM scratch',
      'COPY --from=build /src/zig-out/bin/app /app'
    ),
    input: { files: { 'build.zig': '' } },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    warnings: [],
    language: 'zig'
  },
  {
    name: '.NET publish -a $TARGETARCH on $BUILDPLATFORM is cross',
    dockerfile: df(
      'FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0 AS build',
      'ARG TARGETARCH',
      'WORKDIR /src',
      'COPY *.csproj .',
      'RUN dotnet restore -a $TARGETARCH',
      'COPY . .',
      'RUN dotnet publish -a $TARGETARCH --no-restore -o /app',
      'FROM mcr.microsoft.com/dotnet/aspnet:8.0',
      'WORKDIR /app',
      'COPY --from=build /app .',
      'ENTRYPOINT ["./app"]'
    ),
    input: { files: { 'app.csproj': '<Project/>' } },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    warnings: [],
    language: 'dotnet'
  },
  {
    name: 'a scratch image with no RUN at all is cross',
    dockerfile: df('FROM scratch', 'COPY app /app', 'ENTRYPOINT ["/app"]'),
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    warnings: [],
    language: 'unknown',
    reasons: { 'linux/arm64': ['no reachable RUN at all: the image is assembled from files'] }
  },
  {
    name: '386 on an amd64 builder whose kernel runs it (BuildKit lists linux/386, no handler) is native, needs no QEMU, and says why',
    dockerfile: GO_SIMPLE,
    input: { platforms: ['linux/amd64', 'linux/386'], nativePlatforms: ['linux/amd64', 'linux/386'] },
    strategies: { 'linux/amd64': 'native', 'linux/386': 'native' },
    warnings: [],
    qemu: [],
    reasons: { 'linux/386': ['linux/386 is native on this builder: its linux/amd64 CPU runs 386 code directly'] }
  },
  {
    name: 'amd64 alone on an amd64 builder is native and needs no QEMU',
    dockerfile: GO_SIMPLE,
    input: { platforms: ['linux/amd64'] },
    strategies: { 'linux/amd64': 'native' },
    warnings: [],
    qemu: [],
    reasons: { 'linux/amd64': ['linux/amd64 is native on this builder'] }
  },
  {
    name: 'an arm64 node builds arm64 natively, even with cgo',
    dockerfile: GO_SIMPLE,
    input: { files: { ...GO_FILES, 'db.go': 'package main\nimport "C"\n' }, nodes: [{ name: 'builder-arm64', platforms: ['linux/arm64', 'linux/arm/v7'] }] },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'native' },
    warnings: [],
    qemu: [],
    node: { 'linux/arm64': 'builder-arm64' },
    reasons: { 'linux/arm64': ['linux/arm64 is native on node builder-arm64'] }
  },
  {
    name: 'linux/arm/v7 gets GOARM from TARGETVARIANT in the rewrite',
    dockerfile: GO_BUILD_STAGE,
    input: { files: GO_FILES, platforms: ['linux/arm/v7'] },
    strategies: { 'linux/arm/v7': 'cross' },
    rewrite: { kind: 'go', line: 2 },
    warnings: [],
    rewritten: ['GOARM=$([ "$TARGETARCH" = arm ] && echo "${TARGETVARIANT#v}") go build']
  },
  {
    name: 'a stage pinned to a literal foreign platform warns that it ships foreign binaries',
    dockerfile: df(
      'FROM --platform=linux/amd64 node:20 AS assets',
      'WORKDIR /src',
      'COPY . .',
      'RUN npm ci && npm run build',
      'FROM nginx:1.27-alpine',
      'COPY --from=assets /src/dist /usr/share/nginx/html'
    ),
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    warnings: [[1, 'stage assets is pinned to linux/amd64 but feeds the linux/arm64 image']],
    qemu: []
  },
  {
    name: 'on an arm64 builder the literal amd64 stage itself needs QEMU',
    dockerfile: df(
      'FROM --platform=linux/amd64 node:20 AS assets',
      'WORKDIR /src',
      'COPY . .',
      'RUN npm ci && npm run build',
      'FROM nginx:1.27-alpine',
      'COPY --from=assets /src/dist /usr/share/nginx/html'
    ),
    input: { platforms: ['linux/arm64'], nativePlatforms: ['linux/arm64'] },
    strategies: { 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['assets', 4]] },
    qemu: ['linux/amd64'],
    warnings: [[1, 'pinned to linux/amd64']],
    reasons: { 'linux/arm64': ['executes in linux/amd64 (stage pinned to that platform), so it runs under QEMU'] }
  },
  {
    name: 'ARG X=linux/amd64 then FROM --platform=$X is a literal pin',
    dockerfile: LITERAL_ARG,
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    warnings: [[2, 'stage build is pinned to linux/amd64 but feeds the linux/arm64 image']]
  },
  {
    name: 'a build-arg overrides the global ARG behind --platform',
    dockerfile: LITERAL_ARG,
    input: { buildArgs: { BUILDER: 'linux/arm64' } },
    strategies: { 'linux/amd64': 'emulated', 'linux/arm64': 'emulated' },
    emulated: { 'linux/amd64': [['build', 3]], 'linux/arm64': [['build', 3]] },
    qemu: ['linux/arm64'],
    warnings: [
      [2, 'stage build is pinned to linux/arm64 but feeds the linux/amd64 image'],
      [3, 'compiles Go under QEMU for linux/amd64, linux/arm64']
    ]
  },
  {
    name: 'ARG BP=$BUILDPLATFORM then FROM --platform=$BP is the build platform',
    dockerfile: df(
      'ARG BP=$BUILDPLATFORM',
      'FROM --platform=$BP golang:1.22 AS build',
      'ARG TARGETOS TARGETARCH',
      'RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .',
      'FROM scratch',
      'COPY --from=build /out/app /app'
    ),
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    warnings: []
  },
  {
    name: '${BUILDPLATFORM} in braces',
    dockerfile: df('FROM --platform=${BUILDPLATFORM} golang:1.22 AS build', 'ARG TARGETARCH', 'RUN GOARCH=${TARGETARCH} go build -o /out/app .', 'FROM scratch', 'COPY --from=build /out/app /app'),
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    warnings: []
  },
  {
    name: 'a go build on $BUILDPLATFORM without GOARCH ships a build-platform binary',
    dockerfile: df('FROM --platform=$BUILDPLATFORM golang:1.22 AS build', 'COPY . .', 'RUN go build -o /out/app .', 'FROM scratch', 'COPY --from=build /out/app /app'),
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    warnings: [[3, 'sets no GOARCH, so the linux/arm64 image gets a build-platform binary']]
  },
  {
    name: 'a hard-coded GOARCH=amd64 is flagged for the arm64 image and blocks the rewrite',
    dockerfile: df('FROM golang:1.22 AS build', 'COPY . .', 'RUN CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o /out/app .', 'FROM scratch', 'COPY --from=build /out/app /app'),
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['build', 3]] },
    rewrite: null,
    warnings: [
      [3, 'hard-codes GOARCH=amd64, so the linux/arm64 image gets a binary built for amd64'],
      [3, 'multiarch did not rewrite it']
    ]
  },
  {
    name: 'a final stage that inherits $BUILDPLATFORM would make a build-platform image',
    dockerfile: df('FROM --platform=$BUILDPLATFORM golang:1.22 AS build', 'ARG TARGETARCH', 'RUN GOARCH=$TARGETARCH go build -o /out/app .', 'FROM build AS final', 'CMD ["/out/app"]'),
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    warnings: [[4, 'the final stage final runs on $BUILDPLATFORM (inherited from stage build), so the linux/arm64 image would be built from build-platform files']]
  },
  {
    name: 'multi-target file: target release reaches only the cross build stage',
    dockerfile: MULTI_TARGET,
    input: { target: 'release' },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    warnings: []
  },
  {
    name: 'multi-target file: target test runs go test in the target architecture',
    dockerfile: MULTI_TARGET,
    input: { target: 'test' },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['test', 7]] },
    warnings: []
  },
  {
    name: 'multi-target file: target debug inherits release and adds a light RUN',
    dockerfile: MULTI_TARGET,
    input: { target: 'DEBUG' },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['debug', 11]] },
    reasons: { 'linux/arm64': ['a light RUN in the final stage still needs QEMU; cheap'] },
    warnings: []
  },
  {
    name: 'an unreachable stage does not count',
    dockerfile: df(
      'FROM golang:1.22 AS tools',
      'RUN go install github.com/go-delve/delve/cmd/dlv@latest',
      'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
      'ARG TARGETARCH',
      'RUN GOARCH=$TARGETARCH go build -o /out/app .',
      'FROM scratch',
      'COPY --from=build /out/app /app'
    ),
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    rewrite: null,
    warnings: []
  },
  {
    name: 'a heredoc RUN is analysed and rewritten',
    dockerfile: HEREDOC,
    input: { files: GO_FILES },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    rewrite: { kind: 'go', line: 2 },
    warnings: [],
    rewritten: ['\ngo mod download\nCGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOARM=$([ "$TARGETARCH" = arm ] && echo "${TARGETVARIANT#v}") go build -trimpath']
  },
  {
    name: 'a heredoc RUN under emulation is one step on its RUN line',
    dockerfile: HEREDOC,
    input: { files: GO_FILES, crossCompile: 'off' },
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['build', 5]] },
    warnings: [[5, 'RUN go build -trimpath -o /out/app ./cmd/app at Dockerfile:5 (stage build) compiles Go']]
  },
  {
    name: 'COPY --from an external image is not a stage',
    dockerfile: df(
      'FROM alpine:3.20 AS alpine',
      'RUN apk add --no-cache build-base && make',
      'FROM scratch',
      'COPY --from=alpine:3.20 /etc/ssl/certs /etc/ssl/certs',
      'COPY --from=busybox:1.36-musl /bin/busybox /bin/busybox',
      'COPY app /app'
    ),
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    warnings: []
  },
  {
    name: 'COPY --from=<index> reaches the stage by number',
    dockerfile: df('FROM alpine:3.20', 'RUN apk add --no-cache ca-certificates', 'FROM scratch', 'COPY --from=0 /etc/ssl/certs /etc/ssl/certs'),
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['0', 2]] },
    warnings: []
  },
  {
    name: 'RUN --mount=…,from=<stage> makes that stage reachable',
    dockerfile: df(
      'FROM node:20 AS deps',
      'RUN npm ci',
      'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
      'ARG TARGETARCH',
      'RUN --mount=type=cache,from=deps,source=/node_modules,target=/src/web/node_modules \\',
      '    --mount=type=cache,target=/root/.cache/go-build \\',
      '    GOARCH=$TARGETARCH go build -o /out/app .',
      'FROM scratch',
      'COPY --from=build /out/app /app'
    ),
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'emulated' },
    emulated: { 'linux/arm64': [['deps', 2]] },
    languages: ['node', 'go'],
    warnings: []
  },
  {
    name: 'FROM base-$TARGETARCH picks a per-architecture stage',
    dockerfile: df(
      'FROM alpine:3.20 AS base-amd64',
      'RUN apk add --no-cache libc6-compat',
      'FROM alpine:3.20 AS base-arm64',
      'FROM base-$TARGETARCH AS final',
      'COPY app /app'
    ),
    strategies: { 'linux/amd64': 'native', 'linux/arm64': 'cross' },
    warnings: []
  }
];

describe('decide', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const p = plan(c.dockerfile, c.input);
    const byPlatform = new Map(p.platforms.map((x) => [x.platform, x]));
    expect(Object.fromEntries(p.platforms.map((x) => [x.platform, x.strategy]))).toEqual(c.strategies);
    for (const platform of Object.keys(c.strategies)) {
      const leg = byPlatform.get(platform)!;
      const expected = c.emulated?.[platform] ?? [];
      expect(leg.emulatedSteps.map((s) => [s.stage, s.line])).toEqual(expected);
      for (const phrase of c.reasons?.[platform] ?? []) expect(leg.reasons.join('\n')).toContain(phrase);
      if (c.node?.[platform]) expect(leg.node).toBe(c.node[platform]);
    }
    if (c.rewrite !== undefined) {
      const leg = p.platforms.find((x) => x.strategy !== 'native') ?? p.platforms[0]!;
      expect(leg.rewrite ? { kind: leg.rewrite.kind, line: leg.rewrite.line } : null).toEqual(c.rewrite);
      expect(p.rewrittenText !== undefined).toBe(c.rewrite !== null);
    }
    if (c.warnings) {
      expect(new Set(p.warnings.map((w) => w.line))).toEqual(new Set(c.warnings.map(([line]) => line)));
      for (const [line, phrase] of c.warnings) {
        const texts = p.warnings.filter((w) => w.line === line).map((w) => `${w.message} ${w.hint ?? ''}`);
        expect(texts.join('\n')).toContain(phrase);
      }
    }
    if (c.language) expect(p.platforms.find((x) => x.strategy !== 'native')?.language ?? p.platforms[0]!.language).toBe(c.language);
    if (c.languages) expect(p.languages).toEqual(c.languages);
    if (c.qemu) expect(p.qemu).toEqual(c.qemu);
    for (const phrase of c.rewritten ?? []) expect(p.rewrittenText).toContain(phrase);
    expect(p.dockerfile).toBe('Dockerfile');
  });

  test('an unknown target names the stages there are', () => {
    expect(() => plan(MULTI_TARGET, { target: 'prod' })).toThrow('target "prod" is not a stage of the Dockerfile (stages: build, test, release, debug)');
  });

  test('a Dockerfile without FROM is an error', () => {
    expect(() => plan('ARG X=1\n')).toThrow('no FROM');
  });

  test('cache scopes are per image and platform', () => {
    const p = plan(GO_SIMPLE, { platforms: ['linux/amd64', 'linux/arm/v7'], cacheScopePrefix: 'ci-' });
    expect(p.platforms.map((x) => x.cacheScope)).toEqual(['ci-ghcr.io-acme-app-linux-amd64', 'ci-ghcr.io-acme-app-linux-arm-v7']);
  });

  test('warnings carry the path the caller gave', () => {
    const p = plan(GO_SIMPLE, { dockerfilePath: 'docker/api.Dockerfile' });
    expect(p.warnings[0]).toMatchObject({ file: 'docker/api.Dockerfile', line: 4 });
    expect(p.warnings[0]!.message).toContain('at api.Dockerfile:4');
  });
});
