import { mergeScopes, parseChallenges, repositoryScope } from '../../src/registry/auth.js';

describe('parseChallenges', () => {
  test.each([
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:library/alpine:pull'
          }
        }
      ]
    ],
    ['Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    ['basic', [{ scheme: 'basic', params: {} }]],
    // Several challenges in one header, spaces around '=', escapes and unquoted tokens.
    [
      'Basic realm="a, b", Bearer realm = "https://x/token" , service=svc,error="insufficient_scope",scope="repository:a:pull repository:b:pull"',
      [
        { scheme: 'basic', params: { realm: 'a, b' } },
        {
          scheme: 'bearer',
          params: {
            realm: 'https://x/token',
            service: 'svc',
            error: 'insufficient_scope',
            scope: 'repository:a:pull repository:b:pull'
          }
        }
      ]
    ],
    ['Bearer realm="say \\"hi\\""', [{ scheme: 'bearer', params: { realm: 'say "hi"' } }]],
    ['', []]
  ])('%s', (header, expected) => {
    expect(parseChallenges(header)).toEqual(expected);
  });
});

describe('scopes', () => {
  test('repositoryScope', () => {
    expect(repositoryScope('org/app', ['pull', 'push'])).toBe('repository:org/app:pull,push');
  });
  test('mergeScopes joins actions per resource and sorts', () => {
    expect(
      mergeScopes(['repository:b:pull', 'repository:a:push', 'repository:a:pull', 'registry:catalog:*', 'repository:b:pull'])
    ).toEqual(['registry:catalog:*', 'repository:a:pull,push', 'repository:b:pull']);
  });
});
