/** The attest inputs: off by default, what attest: true needs (one clear error each), and the Sigstore instance it signs with. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveAttestEndpoints } from '../../src/config/attest.js';
import { resolveConfig } from '../../src/config.js';
import { InputError } from '../../src/input-error.js';
import type { RunFacts } from '../../src/provenance.js';
import type { IdTokenRequest } from '../../src/types/sign.js';

const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'multiarch-attestcfg-'));
fs.writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM scratch\n');
afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

const TOKEN: IdTokenRequest = { url: 'http://127.0.0.1:1/token?api-version=2.0', token: 'request-token-value' };
const RUN: RunFacts = { serverUrl: 'https://github.com', apiUrl: 'https://api.github.com', repository: 'acme/app', runId: '1' };
const READY = { push: 'true', tags: 'localhost:5000/app:1', attest: 'true', 'github-token': 'ghs_x' };

function configOf(inputs: Record<string, string>, opts: { idToken?: IdTokenRequest; run?: RunFacts; warnings?: string[] } = { idToken: TOKEN, run: RUN }) {
  return resolveConfig((n) => inputs[n] ?? '', {
    workspace,
    tempDir: os.tmpdir(),
    onSecret: () => undefined,
    onWarning: (w) => opts.warnings?.push(w),
    ...(opts.idToken ? { idToken: opts.idToken } : {}),
    ...(opts.run ? { run: opts.run } : {})
  });
}
function errorOf(inputs: Record<string, string>, opts?: Parameters<typeof configOf>[1]): string {
  try {
    configOf(inputs, opts);
  } catch (err) {
    if (err instanceof InputError) return err.message;
    throw err;
  }
  throw new Error('expected an InputError');
}

test('off by default; attest-push-to-registry alone warns that nothing is attested', () => {
  expect(configOf({ push: 'true', tags: 'localhost:5000/app:1' }).attest).toBeUndefined();
  const warnings: string[] = [];
  expect(configOf({ push: 'true', tags: 'localhost:5000/app:1', 'attest-push-to-registry': 'true' }, { warnings }).attest).toBeUndefined();
  expect(warnings).toEqual([expect.stringMatching(/attest-push-to-registry is true but attest is not/)]);
});

test('attest: true on a public repository keeps the sign inputs\' instance, the run\'s repository and API', () => {
  expect(configOf({ ...READY, 'attest-push-to-registry': 'true' }, { idToken: TOKEN, run: { ...RUN, isPrivate: false } }).attest).toEqual({
    pushToRegistry: true,
    repository: 'acme/app',
    apiUrl: 'https://api.github.com',
    serverUrl: 'https://github.com',
    endpoints: { fulcioURL: 'https://fulcio.sigstore.dev', rekorURL: 'https://rekor.sigstore.dev' }
  });
});

test.each<[string, Record<string, string>, Parameters<typeof configOf>[1], RegExp]>([
  ['not a boolean', { ...READY, attest: 'yes' }, { idToken: TOKEN, run: RUN }, /^Input "attest": "yes" is not allowed \(expected true or false\)/],
  ['push-to-registry not a boolean', { ...READY, 'attest-push-to-registry': 'maybe' }, { idToken: TOKEN, run: RUN }, /^Input "attest-push-to-registry": "maybe" is not allowed/],
  ['no push', { ...READY, push: 'false' }, { idToken: TOKEN, run: RUN }, /^Input "attest": is true but push is not \(expected push: true/],
  ['verify off', { ...READY, verify: 'off' }, { idToken: TOKEN, run: RUN }, /is true but verify is off \(expected verify: strict or warn/],
  ['no id-token permission', READY, { run: RUN }, /cannot request an ID token \(expected "permissions: id-token: write"/],
  ['no github-token', { ...READY, 'github-token': '' }, { idToken: TOKEN, run: RUN }, /github-token is empty \(expected a token with "permissions: attestations: write"/],
  ['outside a GitHub run', READY, { idToken: TOKEN }, /GITHUB_REPOSITORY is not set/]
])('attest: true refuses %s, naming the input and the expected form', (_n, inputs, opts, message) => {
  expect(errorOf(inputs, opts)).toMatch(message);
});

describe('resolveAttestEndpoints', () => {
  const publicGood = { fulcioURL: 'https://fulcio.sigstore.dev', rekorURL: 'https://rekor.sigstore.dev' };
  test.each<[string, { serverUrl: string; isPrivate?: boolean }, object]>([
    ['a public repository on the defaults: public good', { serverUrl: 'https://github.com', isPrivate: false }, publicGood],
    ['a private repository on the defaults: GitHub\'s instance, no public log', { serverUrl: 'https://github.com', isPrivate: true }, { fulcioURL: 'https://fulcio.githubapp.com', tsaURL: 'https://timestamp.githubapp.com' }],
    ['visibility unknown: as private (the least public)', { serverUrl: 'https://github.com' }, { fulcioURL: 'https://fulcio.githubapp.com', tsaURL: 'https://timestamp.githubapp.com' }],
    ['GHE.com: its own host', { serverUrl: 'https://acme.ghe.com', isPrivate: true }, { fulcioURL: 'https://fulcio.acme.ghe.com', tsaURL: 'https://timestamp.acme.ghe.com' }]
  ])('%s', (_n, run, want) => expect(resolveAttestEndpoints(publicGood, run)).toEqual(want));

  test('an instance the user chose is kept, private repository or not', () => {
    const mine = { fulcioURL: 'https://fulcio.internal', tsaURL: 'https://tsa.internal', trustedRootPath: '/root.json' };
    expect(resolveAttestEndpoints(mine, { serverUrl: 'https://github.com', isPrivate: true })).toBe(mine);
  });
});
