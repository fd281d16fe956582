import {
  assertRepository,
  formatReference,
  InvalidReferenceError,
  isLoopbackRegistry,
  parseReference,
  registryBaseUrl,
  registryHost,
  type ImageReference
} from '../../src/registry/reference.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseReference: good references', () => {
  const good: [string, ImageReference][] = [
    ['alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['alpine:3.20', { registry: 'docker.io', repository: 'library/alpine', tag: '3.20' }],
    ['docker.io/alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['index.docker.io/library/alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['user/app:latest', { registry: 'docker.io', repository: 'user/app', tag: 'latest' }],
    ['ghcr.io/org/app:1.0', { registry: 'ghcr.io', repository: 'org/app', tag: '1.0' }],
    ['ghcr.io/org/team/app', { registry: 'ghcr.io', repository: 'org/team/app' }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['localhost:5000/a/b:tag', { registry: 'localhost:5000', repository: 'a/b', tag: 'tag' }],
    [`localhost:5000/a/b:tag@${D}`, { registry: 'localhost:5000', repository: 'a/b', tag: 'tag', digest: D }],
    [`ghcr.io/org/app@${D}`, { registry: 'ghcr.io', repository: 'org/app', digest: D }],
    ['127.0.0.1:5000/x', { registry: '127.0.0.1:5000', repository: 'x' }],
    ['[::1]:5000/x:y', { registry: '[::1]:5000', repository: 'x', tag: 'y' }],
    ['Registry.Example.com/app', { registry: 'Registry.Example.com', repository: 'app' }],
    ['a/b__c/d-e.f_g--h:_tag.1-x', { registry: 'docker.io', repository: 'a/b__c/d-e.f_g--h', tag: '_tag.1-x' }],
    [`app:${'t'.repeat(128)}`, { registry: 'docker.io', repository: 'library/app', tag: 't'.repeat(128) }]
  ];
  test.each(good)('%s', (text, expected) => {
    expect(parseReference(text)).toEqual(expected);
  });
});

describe('parseReference: bad references say what is wrong and the expected form', () => {
  const bad: [string, string][] = [
    ['', 'reference is empty'],
    ['Foo/Bar:1', 'repository must be lowercase'],
    ['ghcr.io/Org/app', 'repository must be lowercase'],
    ['app:', 'tag is empty'],
    ['app:-bad', 'invalid tag "-bad"'],
    [`app:${'t'.repeat(129)}`, 'invalid tag'],
    ['app@sha256:abc', 'invalid sha256 digest: expected 64 lowercase hex characters'],
    [`app@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm "md5"'],
    ['app@', 'invalid digest ""'],
    ['ghcr.io//app', 'empty path component'],
    ['ghcr.io/app/', 'empty path component'],
    ['a/-b', 'invalid repository path component "-b"'],
    ['a/b.', 'invalid repository path component "b."'],
    ['a/b___c', 'invalid repository path component "b___c"'],
    ['bad_host.io:99999/app', 'invalid registry port'],
    ['bad_host.io/app', 'invalid registry host "bad_host.io"'],
    ['ghcr.io/', 'repository name is empty'],
    [' app', 'leading or trailing whitespace'],
    [`ghcr.io/${'a'.repeat(250)}`, 'longer than 255']
  ];
  test.each(bad)('%j', (text, reason) => {
    let caught: unknown;
    try {
      parseReference(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidReferenceError);
    const message = (caught as Error).message;
    expect(message).toContain(reason);
    expect(message).toContain(`${JSON.stringify(text)} is not a valid image reference`);
    expect(message).toContain('(expected [registry/]name[:tag][@digest], e.g. ghcr.io/org/app:1.0)');
  });

  test('the message matches the documented example exactly', () => {
    expect(() => parseReference('Foo/Bar:1')).toThrow(
      '"Foo/Bar:1" is not a valid image reference: repository must be lowercase (expected [registry/]name[:tag][@digest], e.g. ghcr.io/org/app:1.0)'
    );
  });
});

describe('formatReference', () => {
  test.each([
    ['alpine', 'docker.io/library/alpine'],
    ['ghcr.io/org/app:1.0', 'ghcr.io/org/app:1.0'],
    [`localhost:5000/a/b:tag@${D}`, `localhost:5000/a/b:tag@${D}`]
  ])('%s → %s', (text, canonical) => {
    expect(formatReference(parseReference(text))).toBe(canonical);
    // Canonical text parses back to the same reference.
    expect(parseReference(canonical)).toEqual(parseReference(text));
  });
});

describe('registry host and scheme', () => {
  test.each([
    ['docker.io', 'registry-1.docker.io', 'https://registry-1.docker.io'],
    ['ghcr.io', 'ghcr.io', 'https://ghcr.io'],
    ['localhost:5000', 'localhost:5000', 'http://localhost:5000'],
    ['localhost', 'localhost', 'http://localhost'],
    ['127.0.0.1:5000', '127.0.0.1:5000', 'http://127.0.0.1:5000'],
    ['127.1.2.3', '127.1.2.3', 'http://127.1.2.3'],
    ['[::1]:5000', '[::1]:5000', 'http://[::1]:5000'],
    ['128.0.0.1:5000', '128.0.0.1:5000', 'https://128.0.0.1:5000'],
    ['localhost.example.com', 'localhost.example.com', 'https://localhost.example.com']
  ])('%s', (registry, host, base) => {
    expect(registryHost(registry)).toBe(host);
    expect(registryBaseUrl(registry)).toBe(base);
    expect(isLoopbackRegistry(registry)).toBe(base.startsWith('http:'));
  });
});

describe('assertRepository', () => {
  test('accepts repository paths, including single components on any registry', () => {
    expect(() => assertRepository('app')).not.toThrow();
    expect(() => assertRepository('org/app')).not.toThrow();
  });
  test.each(['', 'App', 'a/../b', 'a:b', 'a@b', '../etc'])('refuses %j', (repo) => {
    expect(() => assertRepository(repo)).toThrow(InvalidReferenceError);
  });
});
