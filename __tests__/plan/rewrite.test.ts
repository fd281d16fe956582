/** The cross-compile rewrite: exact output text, the diff, and what it refuses to touch. */
import { execFileSync } from 'node:child_process';
import { GO_FILES, df, plan } from './helpers.js';

describe('Go rewrite', () => {
  const original = df(
    'FROM golang:1.22 AS build',
    'WORKDIR /src',
    'COPY go.mod go.sum ./',
    'RUN go mod download',
    'COPY . .',
    'RUN go build -o /out/app ./cmd/app',
    'FROM gcr.io/distroless/static-debian12',
    'COPY --from=build /out/app /app'
  );

  test('pins the stage, declares the target ARGs and sets GOOS/GOARCH/GOARM on go build', () => {
    const p = plan(original, { files: GO_FILES });
    expect(p.rewrittenText).toBe(
      df(
        'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
        'ARG TARGETOS TARGETARCH TARGETVARIANT',
        'WORKDIR /src',
        'COPY go.mod go.sum ./',
        'RUN go mod download',
        'COPY . .',
        'RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOARM=$([ "$TARGETARCH" = arm ] && echo "${TARGETVARIANT#v}") go build -o /out/app ./cmd/app',
        'FROM gcr.io/distroless/static-debian12',
        'COPY --from=build /out/app /app'
      )
    );
    expect(p.dockerfile).toBe('Dockerfile');
  });

  test('the diff is a unified diff of the change', () => {
    const diff = plan(original, { files: GO_FILES }).platforms[1]!.rewrite!.diff;
    expect(diff).toBe(
      [
        '--- a/Dockerfile',
        '+++ b/Dockerfile',
        '@@ -1,8 +1,9 @@',
        '-FROM golang:1.22 AS build',
        '+FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
        '+ARG TARGETOS TARGETARCH TARGETVARIANT',
        ' WORKDIR /src',
        ' COPY go.mod go.sum ./',
        ' RUN go mod download',
        ' COPY . .',
        '-RUN go build -o /out/app ./cmd/app',
        '+RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOARM=$([ "$TARGETARCH" = arm ] && echo "${TARGETVARIANT#v}") go build -o /out/app ./cmd/app',
        ' FROM gcr.io/distroless/static-debian12',
        ' COPY --from=build /out/app /app',
        ''
      ].join('\n')
    );
  });

  test('keeps what the user already set and replaces an explicit $TARGETPLATFORM', () => {
    const p = plan(
      df(
        'FROM --platform=$TARGETPLATFORM golang:1.22 AS build',
        'ARG TARGETARCH',
        'COPY . .',
        'RUN cd cmd/app && \\',
        '    CGO_ENABLED=0 GOOS=linux go build -o /out/app .',
        'FROM scratch',
        'COPY --from=build /out/app /app'
      ),
      { files: GO_FILES }
    );
    expect(p.rewrittenText).toBe(
      df(
        'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
        'ARG TARGETOS TARGETVARIANT',
        'ARG TARGETARCH',
        'COPY . .',
        'RUN cd cmd/app && \\',
        '    CGO_ENABLED=0 GOOS=linux GOARCH=$TARGETARCH GOARM=$([ "$TARGETARCH" = arm ] && echo "${TARGETVARIANT#v}") go build -o /out/app .',
        'FROM scratch',
        'COPY --from=build /out/app /app'
      )
    );
  });

  test('pins the root of an inherited chain and declares ARGs where go build runs', () => {
    const p = plan(
      df(
        'FROM golang:1.22 AS deps',
        'COPY go.mod go.sum ./',
        'RUN go mod download',
        'FROM deps AS build',
        'COPY . .',
        'RUN go build -o /out/app .',
        'FROM scratch',
        'COPY --from=build /out/app /app'
      ),
      { files: GO_FILES }
    );
    expect(p.platforms[1]).toMatchObject({ strategy: 'cross', rewrite: { kind: 'go', line: 1 } });
    expect(p.rewrittenText!.split('\n').slice(0, 6)).toEqual([
      'FROM --platform=$BUILDPLATFORM golang:1.22 AS deps',
      'COPY go.mod go.sum ./',
      'RUN go mod download',
      'FROM deps AS build',
      'ARG TARGETOS TARGETARCH TARGETVARIANT',
      'COPY . .'
    ]);
  });

  test('injects after RUN --mount flags spread over continuation lines, and keeps CRLF', () => {
    const crlf = df(
      'FROM golang:1.22 AS build',
      'ENV CGO_ENABLED=0',
      'RUN --mount=type=cache,target=/go/pkg/mod \\',
      '    --mount=type=cache,target=/root/.cache/go-build \\',
      '    go build -o /out/app .',
      'FROM scratch',
      'COPY --from=build /out/app /app'
    ).replace(/\n/g, '\r\n');
    const p = plan(crlf);
    expect(p.rewrittenText!.split('\r\n').slice(0, 6)).toEqual([
      'FROM --platform=$BUILDPLATFORM golang:1.22 AS build',
      'ARG TARGETOS TARGETARCH TARGETVARIANT',
      'ENV CGO_ENABLED=0',
      'RUN --mount=type=cache,target=/go/pkg/mod \\',
      '    --mount=type=cache,target=/root/.cache/go-build \\',
      '    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOARM=$([ "$TARGETARCH" = arm ] && echo "${TARGETVARIANT#v}") go build -o /out/app .'
    ]);
  });

  test('a heredoc written to a file is data, not a program', () => {
    const p = plan(df('FROM golang:1.22 AS build', 'ENV CGO_ENABLED=0', 'RUN cat <<EOF > /etc/app.conf', 'arch=whatever', 'EOF', 'RUN go build -o /out/app .', 'FROM scratch', 'COPY --from=build /out/app /app'));
    expect(p.platforms[1]).toMatchObject({ strategy: 'cross', rewrite: { kind: 'go', line: 1 } });
  });

  test('line numbers after the rewrite still point into the user file', () => {
    const p = plan(
      df(
        'FROM golang:1.22 AS build',
        'COPY . .',
        'RUN CGO_ENABLED=0 go build -o /out/app .',
        'FROM debian:bookworm-slim',
        'RUN apt-get update && apt-get install -y ca-certificates',
        'COPY --from=build /out/app /app'
      )
    );
    expect(p.rewrittenText!.split('\n')[5]).toBe('RUN apt-get update && apt-get install -y ca-certificates');
    expect(p.platforms[1]!.emulatedSteps).toEqual([
      { stage: '1', line: 5, command: 'apt-get update', platform: 'linux/arm64' }
    ]);
  });

  test('the GOARM expression gives the ARM version for arm and nothing elsewhere', () => {
    const prefix = 'GOARM=$([ "$TARGETARCH" = arm ] && echo "${TARGETVARIANT#v}")';
    const goarm = (arch: string, variant: string) =>
      execFileSync('/bin/sh', ['-c', `set -e; ${prefix} env | grep ^GOARM=`], { env: { TARGETARCH: arch, TARGETVARIANT: variant }, encoding: 'utf8' }).trim();
    expect(goarm('arm', 'v7')).toBe('GOARM=7');
    expect(goarm('arm', 'v6')).toBe('GOARM=6');
    expect(goarm('arm64', '')).toBe('GOARM=');
    // Go rejects GOARM=3 even for amd64, so amd64/v3 must not leak into it.
    expect(goarm('amd64', 'v3')).toBe('GOARM=');
  });

  test('with cross-compile off nothing is rewritten', () => {
    expect(plan(original, { files: GO_FILES, crossCompile: 'off' }).rewrittenText).toBeUndefined();
  });

  test('when every platform is native there is nothing to rewrite', () => {
    expect(plan(original, { files: GO_FILES, nativePlatforms: ['linux/amd64', 'linux/arm64'] }).rewrittenText).toBeUndefined();
  });

  test.each([
    ['a C toolchain install', 'RUN apk add --no-cache gcc musl-dev', 'installs a C toolchain (gcc musl-dev)'],
    ['an unknown tool', 'RUN ./scripts/gen.sh', 'it runs `./scripts/gen.sh`, which may be a program built for the target'],
    ['uname', 'RUN echo $(uname -m) > /arch', 'it runs `$(uname -m)`, whose output may depend on the architecture'],
    ['go generate', 'RUN go generate ./...', '`go generate` runs programs whose output may depend on the architecture'],
    ['a python heredoc', 'RUN python3 <<EOF\nprint(1)\nEOF', 'feeds a heredoc to a program other than the shell'],
    ['CGO_ENABLED=1', 'ENV CGO_ENABLED=1', 'cgo is enabled (CGO_ENABLED=1 at line 2)']
  ])('refuses a stage with %s', (_name, line, reason) => {
    const p = plan(df('FROM golang:1.22 AS build', line, 'COPY . .', 'RUN go build -o /out/app .', 'FROM scratch', 'COPY --from=build /out/app /app'), { files: GO_FILES });
    expect(p.rewrittenText).toBeUndefined();
    expect(p.platforms[1]!.strategy).toBe('emulated');
    expect(p.platforms[1]!.reasons.join('\n')).toContain(reason);
  });

  test('refuses an exec-form go build (no shell to set GOARCH in)', () => {
    const p = plan(df('FROM golang:1.22 AS build', 'ENV CGO_ENABLED=0', 'RUN ["go", "build", "-o", "/out/app", "."]', 'FROM scratch', 'COPY --from=build /out/app /app'));
    expect(p.rewrittenText).toBeUndefined();
    expect(p.platforms[1]!.reasons.join('\n')).toContain('exec-form RUN has no shell');
  });
});

describe('JVM rewrite', () => {
  test('pins a Gradle stage and leaves the RUNs alone', () => {
    const original = df(
      'FROM gradle:8-jdk21 AS build',
      'WORKDIR /src',
      'COPY . .',
      'RUN ./gradlew bootJar --no-daemon',
      'RUN mkdir -p build/extracted && java -Djarmode=layertools -jar build/libs/app.jar extract --destination build/extracted',
      'FROM eclipse-temurin:21-jre',
      'COPY --from=build /src/build/extracted/application/ ./'
    );
    const p = plan(original);
    expect(p.rewrittenText).toBe(original.replace('FROM gradle', 'FROM --platform=$BUILDPLATFORM gradle'));
    expect(p.platforms[1]).toMatchObject({ strategy: 'cross', language: 'jvm', rewrite: { kind: 'jvm', line: 1 } });
  });

  test('refuses jlink: the runtime it builds is for the stage platform', () => {
    const p = plan(df('FROM eclipse-temurin:21 AS build', 'COPY . .', 'RUN ./mvnw package', 'RUN jlink --add-modules java.base --output /jre', 'FROM debian:bookworm-slim', 'COPY --from=build /jre /jre'));
    expect(p.rewrittenText).toBeUndefined();
    expect(p.platforms[1]!.reasons.join('\n')).toContain('it runs `jlink`');
  });
});
