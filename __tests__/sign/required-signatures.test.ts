/** verify-signatures: the input, the tagging rule, the step's error and the report rows. Pure. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConfig } from '../../src/config.js';
import { InputError } from '../../src/input-error.js';
import { renderMarkdown } from '../../src/report/render.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { requiredSignaturesError } from '../../src/stages/required-signatures.js';
import { decideTagging } from '../../src/stages/merge.js';
import type { Config } from '../../src/types/config.js';
import type { RequiredSignatures, Signing } from '../../src/types/sign.js';
import { passing } from '../report/render-fixtures.js';

const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'multiarch-reqsig-'));
fs.writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM scratch\n');
afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));
const PUSH = { push: 'true', tags: 'localhost:5000/app:1' };
const RUN = { serverUrl: 'https://github.com', repository: 'octo-org/my.app' };

function configOf(inputs: Record<string, string>, run: Record<string, string> = RUN): Config {
  return resolveConfig((n) => inputs[n] ?? '', { workspace, tempDir: os.tmpdir(), onSecret: () => undefined, onWarning: () => undefined, run });
}
function errorOf(inputs: Record<string, string>, run?: Record<string, string>): string {
  try {
    configOf(inputs, run);
  } catch (err) {
    if (err instanceof InputError) return err.message;
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('the verify-signatures input', () => {
  test('off by default, and for false', () => {
    expect(configOf(PUSH).verifySignatures).toBeUndefined();
    expect(configOf({ ...PUSH, 'verify-signatures': 'false' }).verifySignatures).toBeUndefined();
  });

  test('true: a workflow of this repository, the name escaped, GitHub Actions as issuer', () => {
    expect(configOf({ ...PUSH, 'verify-signatures': 'true' }).verifySignatures).toEqual({ identityRegexp: '^https://github\\.com/octo-org/my\\.app/', issuer: 'https://token.actions.githubusercontent.com' });
    expect(new RegExp(configOf({ ...PUSH, 'verify-signatures': 'true' }).verifySignatures!.identityRegexp!).test('https://github.com/octo-org/myXapp/.github/workflows/a.yml@refs/heads/main')).toBe(false);
  });

  test('a regular expression and another issuer, as given', () => {
    expect(configOf({ ...PUSH, 'verify-signatures': '^https://github\\.com/acme/release/', 'verify-signatures-issuer': 'https://oidc.example.test' }).verifySignatures).toEqual({ identityRegexp: '^https://github\\.com/acme/release/', issuer: 'https://oidc.example.test' });
  });

  test('bad values: one error naming the input and the expected form', () => {
    expect(errorOf({ ...PUSH, 'verify-signatures': '^(unclosed' })).toMatch(/^Input "verify-signatures": "\^\(unclosed" is not a regular expression .*expected false, true or a certificate identity regular expression/);
    expect(errorOf({ 'verify-signatures': 'true' })).toMatch(/^Input "verify-signatures": is set but push is not \(expected push: true/);
    expect(errorOf({ ...PUSH, 'verify-signatures': 'true' }, {})).toMatch(/^Input "verify-signatures": is true but GITHUB_REPOSITORY is not set/);
    expect(errorOf({ ...PUSH, 'verify-signatures': 'true', 'verify-signatures-issuer': 'token.actions' })).toMatch(/^Input "verify-signatures-issuer": "token.actions" is not an https URL/);
  });
});

const POLICY = { identityRegexp: '^https://github\\.com/o/r/', issuer: 'https://token.actions.githubusercontent.com' };
const index = passing.index!.digest;
const arm = passing.legs[1]!.digest!;
const allSigned: RequiredSignatures = {
  policy: POLICY,
  ok: true,
  checks: [
    { digest: index, ok: true, verified: ['sha256:aa'], problems: [], repository: 'localhost:5000/team/app' },
    { digest: arm, platform: 'linux/arm64', ok: true, verified: ['sha256:bb'], problems: [], repository: 'localhost:5000/team/app' }
  ]
};
const armUnsigned: RequiredSignatures = {
  ...allSigned,
  ok: false,
  checks: [allSigned.checks[0]!, { digest: arm, platform: 'linux/arm64', ok: false, verified: [], problems: ['no signature found (looked in the referrers tag index)'], repository: 'localhost:5000/team/app' }]
};

describe('tags and the step', () => {
  const config = (verify: Config['verify']) => ({ tags: ['r/a:1'], verify }) as Config;
  const ok = { platforms: [], extra: [], ok: true };
  test('a digest without a signature for the policy moves no tag under strict, and tags with a warning under warn', () => {
    expect(decideTagging(config('strict'), ok, undefined, undefined, armUnsigned)).toEqual({ tags: ['r/a:1'], moved: false, reason: 'signature check failed: no tag moved (verify-signatures, verify: strict)' });
    expect(decideTagging(config('warn'), ok, undefined, undefined, armUnsigned)).toMatchObject({ moved: true, reason: expect.stringMatching(/signature check failed but verify is "warn"/) });
    expect(decideTagging(config('strict'), ok, undefined, undefined, allSigned)).toEqual({ tags: ['r/a:1'], moved: true });
  });

  test('failed signing and failed verification keep their own reasons', () => {
    const failed: Signing = { required: true, ok: false, entries: [], error: 'signing failed: x', verifyCommands: [] };
    expect(decideTagging(config('strict'), ok, failed, undefined, armUnsigned).reason).toMatch(/^signing failed/);
    expect(decideTagging(config('strict'), { ...ok, ok: false }, undefined, undefined, { policy: POLICY, ok: false, checks: [], skipped: 'verification failed: signatures not checked' }).reason).toMatch(/^verification failed/);
  });

  test("the step's error names the policy, each unsigned digest, where and why", () => {
    expect(requiredSignaturesError(allSigned, true)).toBeUndefined();
    expect(requiredSignaturesError(armUnsigned, false)).toBe(
      `verify-signatures: 1 of 2 digests carry no signature for identity ~ ^https://github\\.com/o/r/ (issuer https://token.actions.githubusercontent.com): linux/arm64 ${arm} in localhost:5000/team/app (no signature found (looked in the referrers tag index)); no tag moved`
    );
    expect(requiredSignaturesError({ policy: POLICY, ok: false, checks: [], error: 'the signatures could not be checked: registry down' }, false)).toBe('verify-signatures: the signatures could not be checked: registry down; no tag moved');
  });
});

describe('the report', () => {
  test('all signed: one line; missing: a row per unsigned digest, escaped', () => {
    expect(renderMarkdown({ ...passing, requiredSignatures: allSigned })).toContain('**Signatures required** (identity ~ ^https://github\\\\.com/o/r/ (issuer https://token.actions.githubusercontent.com)): all 2 digests signed, in `localhost:5000/team/app`');
    const md = renderMarkdown({ ...passing, requiredSignatures: armUnsigned });
    expect(md).toContain('**Signatures required, missing**');
    expect(md).toContain(`| \`linux/arm64\` | \`${arm}\` | \`localhost:5000/team/app\` | no signature found (looked in the referrers tag index) |`);
    expect(renderMarkdown(passing)).not.toContain('Signatures required');
  });

  test('terminal', () => {
    expect(renderTerminal({ ...passing, requiredSignatures: armUnsigned })).toContain(`  linux/arm64    ${arm} in localhost:5000/team/app: no signature found (looked in the referrers tag index)`);
    expect(renderTerminal({ ...passing, requiredSignatures: allSigned })).toContain('required identity ~ ^https://github\\.com/o/r/ (issuer https://token.actions.githubusercontent.com): all 2 signed');
  });
});
