import { LANGUAGES, languageProfile, renderLanguageTable } from '../../src/plan/languages.js';

test('every language has a row in the README table', () => {
  const table = renderLanguageTable();
  expect(table.split('\n')).toHaveLength(LANGUAGES.length + 2);
  expect(table).toContain('| Go | cross |');
  expect(table).toContain('| Rust | cross with a cross toolchain |');
  expect(table).toContain('| Python | emulation is fine |');
});

test('Go, the JVM and Node are rewritten automatically; .NET and Zig get a diff instead', () => {
  expect(LANGUAGES.filter((l) => l.autoRewrite).map((l) => l.id)).toEqual(['go', 'jvm', 'node']);
  expect(languageProfile('dotnet').howToCross).toContain('dotnet publish -a $TARGETARCH');
});
