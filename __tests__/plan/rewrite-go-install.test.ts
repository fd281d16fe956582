/**
 * `go install`, cross-compiled, writes to `$GOPATH/bin/<os>_<arch>/` and refuses to run when
 * GOBIN is set. The rewrite clears GOBIN for the command and then moves the binaries to
 * `${GOBIN:-$GOPATH/bin}`, where the as-written (emulated) build puts them. The rewritten RUN is
 * run for real under dash and bash with a stand-in `go` that installs the way go does: into
 * GOBIN, or into $GOPATH/bin/<os>_<arch> when cross-compiling (and fails with GOBIN set then).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GO_FILES, df, plan } from './helpers.js';

const stage = (...runs: string[]) => df('FROM golang:1.22 AS build', 'WORKDIR /src', 'COPY . .', ...runs.map((r) => `RUN ${r}`), 'FROM scratch', 'COPY --from=build /out/app /app');

test.each([
  ['go build -o', 'cross', ['go build -o /out/app .']],
  ['go install of the app', 'cross', ['go install ./cmd/app && cp /go/bin/app /out/app']],
  ['go install with flags', 'cross', ['go install -trimpath -ldflags=-s ./...']],
  ['go install behind exec', 'emulated', ['exec go install .']],
  ['a build-time tool, then go generate', 'emulated', ['go install golang.org/x/tools/cmd/stringer@latest', 'go generate ./...', 'go build -o /out/app .']],
  ['go install into a pipe', 'emulated', ['go install -v ./... | cat']],
  ['GOBIN on the command', 'emulated', ['GOBIN=/out go install .']]
])('%s → %s', (_name, strategy, runs) => {
  const p = plan(stage(...runs), { files: GO_FILES });
  expect(p.platforms[1]!.strategy).toBe(strategy);
  if (strategy === 'emulated') expect(p.rewrittenText).toBeUndefined();
});

test('the reasons say why a go install stays emulated', () => {
  const reasons = (run: string) => plan(stage(run), { files: GO_FILES }).platforms[1]!.reasons.join('\n');
  expect(reasons('go install -v ./... | cat')).toContain("`go install` feeds a pipe (or runs in the background), so its binaries can't be moved");
  expect(reasons('exec go install .')).toContain('`exec go install` replaces the shell');
  expect(reasons('GOBIN=/out go install .')).toContain('`GOBIN=… go install` can\'t cross-compile');
});

test('the rewritten go install clears GOBIN and moves the binaries after it', () => {
  const p = plan(stage('go install ./cmd/app && cp /go/bin/app /out/app'), { files: GO_FILES });
  expect(p.rewrittenText).toContain(
    'RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOARM=$([ "$TARGETARCH" = arm ] && echo "${TARGETVARIANT#v}") GOBIN= go install ./cmd/app' +
      ' && { d=$(go env GOPATH); d="${d%%:*}/bin"; t="$d/${TARGETOS}_${TARGETARCH}"; if [ -d "$t" ]; then mkdir -p "${GOBIN:-$d}" && mv "$t"/* "${GOBIN:-$d}/" && rmdir "$t"; fi; } && cp /go/bin/app /out/app'
  );
});

let bin: string;
let root: string;
beforeAll(() => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-go-install-'));
  // Installs one binary named after the last package path element, as go does; `go env GOPATH`.
  fs.writeFileSync(
    path.join(bin, 'go'),
    [
      '#!/bin/sh',
      'if [ "$1" = env ]; then echo "$GOPATH"; exit 0; fi',
      'for a; do pkg=$a; done',
      'name=${pkg##*/}; [ "$name" = . ] && name=hello',
      'if [ "$GOARCH" != amd64 ] && [ -n "$GOARCH" ]; then',
      '  if [ -n "$GOBIN" ]; then echo "go: cannot install cross-compiled binaries when GOBIN is set" >&2; exit 1; fi',
      '  dir="${GOPATH%%:*}/bin/${GOOS}_${GOARCH}"',
      'else dir="${GOBIN:-${GOPATH%%:*}/bin}"; fi',
      'mkdir -p "$dir" && echo "$GOOS/$GOARCH" > "$dir/$name"'
    ].join('\n') + '\n',
    { mode: 0o755 }
  );
});
afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gopath-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function runRewritten(shell: string, run: string, env: Record<string, string>): void {
  const p = plan(stage(run), { files: GO_FILES });
  const line = p.rewrittenText!.split('\n').find((l) => l.includes('go install'))!;
  execFileSync(shell, ['-c', line.slice('RUN '.length)], {
    env: { PATH: `${bin}:/usr/bin:/bin`, TARGETOS: 'linux', TARGETARCH: 'arm64', TARGETVARIANT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  });
}

describe.each(['/bin/dash', '/bin/bash'])('under %s', (shell) => {
  test('GOPATH only: the binary lands in $GOPATH/bin, built for the target, and the <os>_<arch> dir is gone', () => {
    runRewritten(shell, 'go install ./cmd/app', { GOPATH: `${root}/go` });
    expect(fs.readFileSync(`${root}/go/bin/app`, 'utf8').trim()).toBe('linux/arm64');
    expect(fs.readdirSync(`${root}/go/bin`)).toEqual(['app']);
  });

  test('GOBIN set (ENV GOBIN=/out): the binary lands in GOBIN, as it would natively', () => {
    runRewritten(shell, 'go install ./cmd/app', { GOPATH: `${root}/go`, GOBIN: `${root}/out` });
    expect(fs.readFileSync(`${root}/out/app`, 'utf8').trim()).toBe('linux/arm64');
    expect(fs.readdirSync(`${root}/go/bin`)).toEqual([]);
  });

  test('a GOPATH list: the first entry is the one go installs into', () => {
    fs.mkdirSync(`${root}/b`);
    runRewritten(shell, 'go install ./cmd/app', { GOPATH: `${root}/a:${root}/b` });
    expect(fs.readFileSync(`${root}/a/bin/app`, 'utf8').trim()).toBe('linux/arm64');
  });
});
