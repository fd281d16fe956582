import { buildSmokeArgs, smokeContainerName, splitWords } from '../../src/verify/smoke-run.js';

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

test('smoke argv: timeout (with a KILL after it), a named container, platform, network, image, then the user words verbatim', () => {
  expect(buildSmokeArgs('localhost:5000/a@sha256:1', 'linux/arm64', { args: ['--version', '$(id)'], timeoutSeconds: 120, network: 'host' }, 'multiarch-smoke-linux-arm64-0a0b0c0d', 'missing')).toEqual([
    '-k', '2', '120', 'docker', 'run', '--rm', '--name', 'multiarch-smoke-linux-arm64-0a0b0c0d', '--pull', 'missing', '--platform', 'linux/arm64', '--network', 'host', 'localhost:5000/a@sha256:1', '--version', '$(id)'
  ]);
});

test('each smoke run gets its own container name, safe for docker', () => {
  const a = smokeContainerName('linux/arm/v7');
  expect(a).toMatch(/^multiarch-smoke-linux-arm-v7-[0-9a-f]{8}$/);
  expect(smokeContainerName('linux/arm/v7')).not.toBe(a);
});
