/** The sign and sigstore-* inputs: defaults, a private instance, and one clear error per bad value. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConfig } from '../../src/config.js';
import { InputError } from '../../src/input-error.js';
import type { IdTokenRequest } from '../../src/types/sign.js';

const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'multiarch-signcfg-'));
fs.writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM scratch\n');
fs.writeFileSync(path.join(workspace, 'root.json'), JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', certificateAuthorities: [] }));
afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

const TOKEN: IdTokenRequest = { url: 'http://127.0.0.1:1/token?api-version=2.0', token: 'request-token-value' };
const PUSH = { push: 'true', tags: 'localhost:5000/app:1' };

function configOf(inputs: Record<string, string>, idToken?: IdTokenRequest, secrets: string[] = []) {
  return resolveConfig((n) => inputs[n] ?? '', { workspace, tempDir: os.tmpdir(), onSecret: (s) => secrets.push(s), onWarning: () => undefined, ...(idToken ? { idToken } : {}) });
}
function errorOf(inputs: Record<string, string>, idToken?: IdTokenRequest): string {
  try {
    configOf(inputs, idToken);
  } catch (err) {
    if (err instanceof InputError) return err.message;
    throw err;
  }
  throw new Error('expected an InputError');
}

test('defaults: auto, public-good Fulcio and Rekor, no TSA, the TUF root', () => {
  expect(configOf({}).sign).toEqual({ mode: 'auto', endpoints: { fulcioURL: 'https://fulcio.sigstore.dev', rekorURL: 'https://rekor.sigstore.dev' } });
});

test('the ID-token request is kept for the sign stage and its token registered as a secret at once', () => {
  const secrets: string[] = [];
  expect(configOf({}, TOKEN, secrets).sign?.idToken).toEqual(TOKEN);
  expect(secrets).toContain('request-token-value');
});

test('a private instance: TSA only, a trusted root relative to the workspace', () => {
  const sign = configOf({ ...PUSH, sign: 'true', 'sigstore-fulcio-url': 'https://fulcio.internal:8443/', 'sigstore-rekor-url': 'off', 'sigstore-tsa-url': 'https://tsa.internal', 'sigstore-trusted-root': 'root.json' }, TOKEN).sign;
  expect(sign).toMatchObject({ mode: 'true', endpoints: { fulcioURL: 'https://fulcio.internal:8443', tsaURL: 'https://tsa.internal', trustedRootPath: path.join(workspace, 'root.json') } });
  expect(sign?.endpoints.rekorURL).toBeUndefined();
});

test.each([
  [{ sign: 'yes' }, undefined, /Input "sign": "yes" is not allowed \(expected one of: auto, true, false\)/],
  [{ 'sigstore-fulcio-url': 'fulcio.sigstore.dev' }, undefined, /Input "sigstore-fulcio-url": "fulcio.sigstore.dev" is not a URL/],
  [{ 'sigstore-fulcio-url': 'http://fulcio.example.com' }, undefined, /Input "sigstore-fulcio-url": .* is not https .*plain http only on loopback/],
  [{ 'sigstore-tsa-url': 'https://user:pw@tsa.example.com' }, undefined, /Input "sigstore-tsa-url": .* has credentials/],
  [{ 'sigstore-rekor-url': 'off' }, undefined, /Input "sigstore-rekor-url": is "off" but sigstore-tsa-url is empty/],
  [{ 'sigstore-trusted-root': 'missing.json' }, undefined, /Input "sigstore-trusted-root": cannot read .*missing.json/],
  [{ 'sigstore-trusted-root': 'Dockerfile' }, undefined, /Input "sigstore-trusted-root": cannot read .* as JSON/],
  [{ sign: 'true' }, TOKEN, /Input "sign": is true but push is not/],
  [{ ...PUSH, sign: 'true', verify: 'off' }, TOKEN, /Input "sign": is true but verify is off/],
  [{ ...PUSH, sign: 'true' }, undefined, /Input "sign": is true but the job cannot request an ID token \(expected "permissions: id-token: write"/]
])('%j is refused with one clear error', (inputs, idToken, message) => {
  expect(errorOf(inputs as Record<string, string>, idToken)).toMatch(message);
});

test('a trusted root that is JSON but not a trusted root is refused', () => {
  fs.writeFileSync(path.join(workspace, 'other.json'), '{"a":1}');
  expect(errorOf({ 'sigstore-trusted-root': 'other.json' })).toMatch(/Input "sigstore-trusted-root": .*other.json is not a Sigstore trusted root/);
});

test('plain http is fine on loopback (a stand-in or a local instance)', () => {
  expect(configOf({ 'sigstore-fulcio-url': 'http://127.0.0.1:8080' }).sign?.endpoints.fulcioURL).toBe('http://127.0.0.1:8080');
});
