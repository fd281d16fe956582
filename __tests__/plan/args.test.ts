/** Global ARG expansion with build-args and the automatic platform args. */
import { expandWord, platformScope, resolveGlobalScope } from '../../src/plan/args.js';

const base = platformScope('linux/amd64', 'linux/arm/v7');

test('automatic platform args', () => {
  const e = expandWord('$BUILDOS/${TARGETARCH}/$TARGETVARIANT', base);
  expect(e.value).toBe('linux/arm/v7');
  expect([...e.refs].sort()).toEqual(['BUILDOS', 'TARGETARCH', 'TARGETVARIANT']);
});

test('global ARGs chain and remember where their value came from', () => {
  const scope = resolveGlobalScope([{ name: 'BP', default: '$BUILDPLATFORM' }, { name: 'P', default: '${BP}' }], {}, base);
  const e = expandWord('$P', scope);
  expect(e).toEqual({ value: 'linux/amd64', refs: new Set(['BUILDPLATFORM']), unresolved: [] });
});

test('a build-arg overrides a declared ARG and is a literal', () => {
  const scope = resolveGlobalScope([{ name: 'X', default: 'linux/amd64' }], { X: 'linux/s390x', UNDECLARED: 'y' }, base);
  expect(expandWord('$X', scope)).toEqual({ value: 'linux/s390x', refs: new Set(), unresolved: [] });
  expect(expandWord('$UNDECLARED', scope)).toEqual({ value: '', refs: new Set(), unresolved: ['UNDECLARED'] });
});

test('automatic args can not be redefined', () => {
  const scope = resolveGlobalScope([{ name: 'TARGETPLATFORM', default: 'linux/ppc64le' }], { BUILDPLATFORM: 'linux/s390x' }, base);
  expect(expandWord('$TARGETPLATFORM $BUILDPLATFORM', scope).value).toBe('linux/arm/v7 linux/amd64');
});

test.each([
  ['${MISSING:-linux/amd64}', 'linux/amd64'],
  ['${EMPTY:-fallback}', 'fallback'],
  ['${EMPTY-fallback}', ''],
  ['${SET:+alt}', 'alt'],
  ['${MISSING+alt}', ''],
  ['\\$SET', '$SET']
])('%s → %j', (word, expected) => {
  const scope = new Map([...base, ['EMPTY', { value: '', refs: new Set<string>() }], ['SET', { value: 'x', refs: new Set<string>() }]]);
  expect(expandWord(word, scope).value).toBe(expected);
});
