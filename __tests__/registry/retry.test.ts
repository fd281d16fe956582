import { RegistryError, parseRetryAfter, redactUrl, registryError } from '../../src/registry/errors.js';
import { backoffDelay, isTransient, withRetry } from '../../src/registry/retry.js';

const fast = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
const status = (n: number): RegistryError => new RegistryError('GET', 'http://x/v2/', n, [], '');

describe('backoffDelay', () => {
  const policy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
  test('doubles per retry, with jitter in the upper half, capped', () => {
    expect(backoffDelay(policy, 1, () => 0)).toBe(50);
    expect(backoffDelay(policy, 1, () => 1)).toBe(100);
    expect(backoffDelay(policy, 3, () => 1)).toBe(400);
    expect(backoffDelay(policy, 3, () => 0)).toBe(200);
    expect(backoffDelay(policy, 10, () => 1)).toBe(1000);
  });
});

describe('parseRetryAfter', () => {
  test('seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Thu, 01 Jan 2025 00:00:05 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('isTransient', () => {
  test.each([
    [status(429), true],
    [status(500), true],
    [status(502), true],
    [status(503), true],
    [status(504), true],
    [status(400), false],
    [status(401), false],
    [status(404), false],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), true],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), false],
    [new Error('Request timeout: /v2/'), true],
    [new Error('digest mismatch'), false]
  ])('%s → %s', (err, expected) => {
    expect(isTransient(err)).toBe(expected);
  });
});

describe('withRetry', () => {
  test('retries transient failures until success', async () => {
    let calls = 0;
    const result = await withRetry(fast, async () => {
      calls++;
      if (calls < 3) throw status(503);
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  test('gives up after the attempts, saying so', async () => {
    let calls = 0;
    await expect(
      withRetry(fast, async () => {
        calls++;
        throw status(503);
      })
    ).rejects.toThrow('(after 4 attempts)');
    expect(calls).toBe(4);
  });

  test('fails at once on anything not transient', async () => {
    let calls = 0;
    await expect(
      withRetry(fast, async () => {
        calls++;
        throw status(400);
      })
    ).rejects.toThrow('failed with 400');
    expect(calls).toBe(1);
  });
});

describe('registryError', () => {
  test('carries the registry codes and messages, method and redacted URL', () => {
    const body = Buffer.from(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
    const err = registryError('GET', 'http://user:pw@127.0.0.1:1/v2/a/manifests/x?_state=SECRET', 404, body, {});
    expect(err.message).toBe('GET http://127.0.0.1:1/v2/a/manifests/x failed with 404: MANIFEST_UNKNOWN: manifest unknown');
    expect(err.codes).toEqual(['MANIFEST_UNKNOWN']);
  });
  test('falls back to a short excerpt of a non-JSON body, or the status text', () => {
    expect(registryError('PUT', 'http://h/x', 502, Buffer.from('<html>\n bad   gateway</html>'), {}).message).toBe(
      'PUT http://h/x failed with 502: <html> bad gateway</html>'
    );
    expect(registryError('HEAD', 'http://h/x', 403, Buffer.alloc(0), {}).message).toBe('HEAD http://h/x failed with 403: forbidden');
  });
  test('redactUrl drops credentials and query strings', () => {
    expect(redactUrl('https://u:p@s3.example/b/k?X-Amz-Signature=abc')).toBe('https://s3.example/b/k');
  });
});
