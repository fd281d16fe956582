/**
 * `go build` behind a wrapper (`exec`, `command`, `nohup`, `time`, `env`, `sudo`): the GOOS/GOARCH
 * the rewrite adds must reach go. The rewritten RUN is run for real under dash (Docker's /bin/sh on
 * Debian) and bash, with a fake `go` on PATH that prints what it was given.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GO_FILES, df, plan } from './helpers.js';

let bin: string;
beforeAll(() => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-go-'));
  fs.writeFileSync(path.join(bin, 'go'), '#!/bin/sh\necho "$GOOS $GOARCH ${GOARM:--} $CGO_ENABLED"\n', { mode: 0o755 });
  // sudo resets the environment (env_reset) and runs the command; this stand-in does just that,
  // so a GOOS set in front of sudo is lost exactly as with the real one.
  fs.writeFileSync(
    path.join(bin, 'sudo'),
    '#!/bin/sh\nwhile [ $# -gt 0 ]; do case "$1" in -u|-g) shift 2;; --) shift; break;; -*) shift;; *) break;; esac; done\nexec env -i PATH="$PATH" "$@"\n',
    { mode: 0o755 }
  );
});
afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));

/** The rewritten text of the one RUN that holds `go build`. */
function rewrittenRun(run: string): string {
  const p = plan(df('FROM golang:1.22 AS build', 'WORKDIR /src', 'COPY . .', `RUN ${run}`, 'FROM scratch', 'COPY --from=build /out/app /app'), { files: GO_FILES });
  expect(p.platforms[1]!.reasons.join('\n')).not.toContain('emulated');
  expect(p.rewrittenText).toBeDefined();
  const line = p.rewrittenText!.split('\n').find((l) => l.startsWith('RUN ') && l.includes('go build'))!;
  return line.slice('RUN '.length);
}

function runIn(shell: string, script: string, arch: string, variant = ''): string {
  return execFileSync(shell, ['-c', script], {
    env: { PATH: `${bin}:/usr/bin:/bin`, TARGETOS: 'linux', TARGETARCH: arch, TARGETVARIANT: variant },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe']
  }).trim();
}

describe.each(['/bin/dash', '/bin/bash'])('under %s', (shell) => {
  test.each([
    ['plain', 'go build -o /out/app .'],
    ['exec', 'exec go build -o /out/app .'],
    ['command', 'command go build -o /out/app .'],
    ['command -p', 'command -p go build -o /out/app .'],
    ['nohup', 'nohup go build -o /out/app .'],
    ['time', 'time go build -o /out/app .'],
    ['time -p', 'time -p go build -o /out/app .'],
    ['env', 'env go build -o /out/app .'],
    ['env -i', 'env -i PATH="$PATH" go build -o /out/app .'],
    ['env -u', 'env -u HOME go build -o /out/app .'],
    ['sudo', 'sudo go build -o /out/app .'],
    ['sudo -E -u root', 'sudo -E -u root go build -o /out/app .'],
    ['two wrappers', 'exec nohup go build -o /out/app .'],
    ['after cd &&', 'cd /tmp && exec go build -o /out/app .']
  ])('%s: GOOS/GOARCH/CGO_ENABLED reach go', (_name, run) => {
    const script = rewrittenRun(run);
    expect(runIn(shell, script, 'arm64')).toBe('linux arm64 - 0');
    expect(runIn(shell, script, 'arm', 'v7')).toBe('linux arm 7 0');
  });
});

test('env gets NAME=value arguments; other wrappers get `env` in front of go', () => {
  expect(rewrittenRun('env -i PATH="$PATH" go build -o /out/app .')).toMatch(/^env -i PATH="\$PATH" CGO_ENABLED=0 GOOS=\$TARGETOS .* go build/);
  expect(rewrittenRun('exec go build -o /out/app .')).toMatch(/^exec env CGO_ENABLED=0 GOOS=\$TARGETOS .* go build/);
  expect(rewrittenRun('go build -o /out/app .')).toMatch(/^CGO_ENABLED=0 GOOS=\$TARGETOS .* go build/);
});

test('`command -v go` only asks where go is: it neither compiles nor blocks the rewrite', () => {
  expect(rewrittenRun('command -v go && go build -o /out/app .')).toMatch(/^command -v go && CGO_ENABLED=0 /);
});
