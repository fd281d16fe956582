import { buildSmokeArgs, splitWords } from '../../src/verify/smoke-run.js';

test.each<[string, string[]]>([
  ['--version', ['--version']],
  ['sh -c "uname -m"', ['sh', '-c', 'uname -m']],
  ["sh -c 'echo $HOME; id'", ['sh', '-c', 'echo $HOME; id']],
  ['  a   b  ', ['a', 'b']],
  ['""', ['']],
  ['x"y z"', ['xy z']]
])('splitWords(%j)', (text, words) => {
  expect(splitWords(text)).toEqual(words);
});

test('splitWords rejects an open quote', () => {
  expect(() => splitWords('sh -c "oops')).toThrow(/unterminated " quote/);
});

test('smoke argv: timeout, platform, network, image, then the user words verbatim', () => {
  expect(buildSmokeArgs('localhost:5000/a@sha256:1', 'linux/arm64', { args: ['--version', '$(id)'], timeoutSeconds: 120, network: 'host' }, 'missing')).toEqual([
    '120', 'docker', 'run', '--rm', '--pull', 'missing', '--platform', 'linux/arm64', '--network', 'host', 'localhost:5000/a@sha256:1', '--version', '$(id)'
  ]);
});
