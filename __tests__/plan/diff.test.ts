import { unifiedDiff } from '../../src/plan/diff.js';

const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`);

test('equal texts give an empty diff', () => {
  expect(unifiedDiff('a\n', 'a\n', 'Dockerfile')).toBe('');
});

test('far-apart changes get separate hunks with three lines of context', () => {
  const before = lines(20);
  const after = [...before];
  after[1] = 'changed 2';
  after.splice(15, 0, 'inserted');
  expect(unifiedDiff(before.join('\n') + '\n', after.join('\n') + '\n', 'Dockerfile')).toBe(
    [
      '--- a/Dockerfile',
      '+++ b/Dockerfile',
      '@@ -1,5 +1,5 @@',
      ' line 1',
      '-line 2',
      '+changed 2',
      ' line 3',
      ' line 4',
      ' line 5',
      '@@ -13,6 +13,7 @@',
      ' line 13',
      ' line 14',
      ' line 15',
      '+inserted',
      ' line 16',
      ' line 17',
      ' line 18',
      ''
    ].join('\n')
  );
});

test('a change at the very end, with no trailing newline', () => {
  expect(unifiedDiff('a\nb', 'a\nc', 'f')).toBe(['--- a/f', '+++ b/f', '@@ -1,2 +1,2 @@', ' a', '-b', '+c', ''].join('\n'));
});
