/**
 * A redirect or an upload `Location` is where the next request (and, for an upload, the image's
 * bytes) goes. Going from https to plain http would send them in the clear, so it is refused.
 */
import { resolveLocation } from '../../src/registry/location.js';

test.each([
  ['relative path keeps the origin', '/v2/r/blobs/uploads/1?_state=x', 'https://ghcr.io/v2/r/blobs/uploads/', 'https://ghcr.io/v2/r/blobs/uploads/1?_state=x'],
  ['https to another https host', 'https://storage.example/u/1', 'https://ghcr.io/v2/r/blobs/uploads/', 'https://storage.example/u/1'],
  ['http registry to http', 'http://localhost:5000/v2/r/blobs/uploads/1', 'http://localhost:5000/v2/r/blobs/uploads/', 'http://localhost:5000/v2/r/blobs/uploads/1'],
  ['http to https is an upgrade', 'https://reg.example/u/1', 'http://localhost:5000/v2/r/blobs/uploads/', 'https://reg.example/u/1']
])('accepts %s', (_name, location, base, expected) => {
  expect(resolveLocation(location, base, 'upload')).toBe(expected);
});

test.each([
  ['absolute http from https', 'http://ghcr.io/v2/r/blobs/uploads/1', 'https://ghcr.io/v2/r/blobs/uploads/'],
  ['protocol-relative is fine, but an http host is not', 'http://evil.example/u', 'https://ghcr.io/v2/r/blobs/uploads/']
])('refuses %s', (_name, location, base) => {
  expect(() => resolveLocation(location, base, 'upload')).toThrow(/from https to plain http/);
});

test('refuses a scheme that is not http(s)', () => {
  expect(() => resolveLocation('file:///etc/passwd', 'https://ghcr.io/v2/', 'upload')).toThrow(/unsupported scheme file:/);
});

test('the message never carries the query string (upload state, signatures)', () => {
  expect(() => resolveLocation('http://ghcr.io/u?sig=SECRET', 'https://ghcr.io/v2/', 'upload')).toThrow(
    expect.objectContaining({ message: expect.not.stringContaining('SECRET') })
  );
});
