/**
 * `go install` cross-compiled puts the binary in `$GOPATH/bin/<os>_<arch>/` (and fails outright
 * when GOBIN is set), so a later COPY misses it; a tool installed to run at build time would be
 * built for the target. A stage that reaches `go install` stays emulated, and says what to write.
 */
import { GO_FILES, df, plan } from './helpers.js';

const stage = (...runs: string[]) => df('FROM golang:1.22 AS build', 'WORKDIR /src', 'COPY . .', ...runs.map((r) => `RUN ${r}`), 'FROM scratch', 'COPY --from=build /out/app /app');

test.each([
  ['go build -o', 'cross', ['go build -o /out/app .']],
  ['go build -o behind cd', 'cross', ['cd cmd/app && go build -o /out/app']],
  ['go install of the app', 'emulated', ['go install ./cmd/app && cp /go/bin/app /out/app']],
  ['go install with flags', 'emulated', ['go install -trimpath -ldflags=-s ./...']],
  ['a build-time tool, then go generate', 'emulated', ['go install golang.org/x/tools/cmd/stringer@latest', 'go generate ./...', 'go build -o /out/app .']],
  ['go install behind exec', 'emulated', ['exec go install .']]
])('%s → %s', (_name, strategy, runs) => {
  const p = plan(stage(...runs), { files: GO_FILES });
  expect(p.platforms[1]!.strategy).toBe(strategy);
  if (strategy === 'emulated') {
    expect(p.rewrittenText).toBeUndefined();
    const reasons = p.platforms[1]!.reasons.join('\n');
    expect(reasons).toContain('`go install`');
    expect(reasons).toContain('go build -o');
  }
});
