import { parseBool, parseList } from '../src/inputs.js';

describe('parseList', () => {
  test.each<[string, string, boolean, string[]]>([
    ['commas', 'a,b , c', false, ['a', 'b', 'c']],
    ['newlines', 'a\nb\n\nc', false, ['a', 'b', 'c']],
    ['both', 'a,b\nc', false, ['a', 'b', 'c']],
    ['CSV quoting keeps a comma', '"a,b",c', false, ['a,b', 'c']],
    ['comments', '# note\na\n  # more\nb', false, ['a', 'b']],
    ['keepCommas keeps a cache spec whole', 'type=gha,mode=max\ntype=local,dest=/tmp/c', true, ['type=gha,mode=max', 'type=local,dest=/tmp/c']],
    ['keepCommas unquotes a whole line', '"KEY=a,b"', true, ['KEY=a,b']],
    ['shell metacharacters pass verbatim', 'X=$(id);rm -rf "/"', true, ['X=$(id);rm -rf "/"']],
    ['empty', '', false, []],
    ['CRLF', 'a\r\nb', false, ['a', 'b']],
    // build-push-action's own CI (git-context-secret): a quoted entry spans lines, empty ones included.
    ['a quoted entry spans lines', 'GIT_AUTH_TOKEN=tok\n"MYSECRET=aaaaaaaa\nbbbbbbb\nccccccccc"\nFOO=bar\n"EMPTYLINE=aaaa\n\nbbbb\nccc"', true, ['GIT_AUTH_TOKEN=tok', 'MYSECRET=aaaaaaaa\nbbbbbbb\nccccccccc', 'FOO=bar', 'EMPTYLINE=aaaa\n\nbbbb\nccc']],
    ['…in a comma list too', '"a\nb",c\nd', false, ['a\nb', 'c', 'd']],
    ['a quote inside a value opens nothing', 'A=it"s\nB=2', true, ['A=it"s', 'B=2']],
    ['a quote never closed: the lines stay lines', '"A=1\nB=2', true, ['"A=1', 'B=2']]
  ])('%s', (_name, text, keepCommas, expected) => {
    expect(parseList(text, { keepCommas })).toEqual(expected);
  });
});

test('parseBool accepts YAML core booleans only', () => {
  expect(parseBool('true')).toBe(true);
  expect(parseBool('False')).toBe(false);
  expect(parseBool('')).toBeUndefined();
  expect(() => parseBool('yes')).toThrow(/true or false/);
});
