/** The RUN script splitter and the simple-command reader. */
import { splitCommands } from '../../src/plan/shell.js';
import { describeCommand, viewCommand } from '../../src/plan/simple-command.js';

const names = (script: string) => splitCommands(script).map((words) => describeCommand(viewCommand(words), 200));

test.each([
  ['cd /src && go build -o /out/app .', ['cd /src', 'go build -o /out/app .']],
  ['apk add --no-cache git; go mod download || true', ['apk add --no-cache git', 'go mod download', 'true']],
  ['go build \\\n  -o /out/app \\\n  ./cmd/app', ['go build -o /out/app ./cmd/app']],
  ['CGO_ENABLED=0 GOOS=linux go build .', ['go build .']],
  ['env -u FOO GOARCH=arm64 go build .', ['go build .']],
  ['if [ -f go.mod ]; then go mod download; fi', ['[ -f go.mod ]', 'go mod download', '']],
  ['echo "a && b" | tee /x 2>&1 >/dev/null', ['echo a && b', 'tee /x']],
  ["sh -c 'go build .'", ['sh -c go build .']],
  ['# comment && go build\nmake all', ['make all']],
  ['cat > /etc/app.conf <<EOF\nkey=value\nrun && me\nEOF\ngo version', ['cat', 'go version']],
  ['( cd web && npm ci ) && go build -ldflags "-X v=$(git describe)" .', ['cd web', 'npm ci', 'go build -ldflags -X v=$(git describe) .']],
  ['VERSION=1.0', ['']]
])('%j', (script, expected) => {
  expect(names(script)).toEqual(expected);
});

test('positions point at the command name in the script', () => {
  const script = 'cd /src && \\\n  CGO_ENABLED=0 go build .';
  const [, words] = splitCommands(script);
  const view = viewCommand(words!);
  expect(script.slice(view.nameWord!.start)).toBe('go build .');
  expect(view.assignments.get('CGO_ENABLED')).toBe('0');
});
