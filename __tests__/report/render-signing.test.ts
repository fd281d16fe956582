/** The signing rows in the summary, the terminal and the outputs. Pure. */
import { renderMarkdown } from '../../src/report/render.js';
import { resolveOutputs } from '../../src/report/outputs.js';
import { renderTerminal } from '../../src/report/terminal.js';
import type { RunReport } from '../../src/types/plan.js';
import type { Signing } from '../../src/types/sign.js';
import { passing } from './render-fixtures.js';

const ID = 'https://github.com/o/r/.github/workflows/release.yml@refs/heads/main';
const signing: Signing = {
  required: false,
  ok: true,
  identity: ID,
  entries: [
    { digest: passing.index!.digest, referrer: `sha256:${'11'.repeat(32)}`, via: 'tag-schema', tlogIndex: '42' },
    { digest: passing.legs[0]!.digest!, platform: 'linux/amd64', referrer: `sha256:${'22'.repeat(32)}`, via: 'tag-schema', tlogIndex: '43' },
    { digest: passing.legs[1]!.digest!, platform: 'linux/arm64', referrer: `sha256:${'33'.repeat(32)}`, via: 'referrers-api', timestamped: true }
  ],
  verifyCommands: [`cosign verify localhost:5000/team/app:1.2.3@${passing.index!.digest} --certificate-identity-regexp '^x@' --certificate-oidc-issuer https://token.actions.githubusercontent.com`]
};
const signed: RunReport = { ...passing, signing };

test('one row per signed digest, with where its referrer went and what witnessed it', () => {
  const md = renderMarkdown(signed);
  expect(md).toContain(`**Signed** as \`${ID}\`: 3 digests`);
  expect(md).toContain(`| index | \`${passing.index!.digest}\` | \`sha256:${'11'.repeat(32)}\` | referrers tag index (sha256-…) | Rekor #42 |`);
  expect(md).toContain(`| \`linux/arm64\` | \`${passing.legs[1]!.digest}\` | \`sha256:${'33'.repeat(32)}\` | referrers API | TSA timestamp |`);
  expect(md).toMatch(/<summary>Verify the signatures<\/summary>\n\n```sh\ncosign verify localhost:5000\/team\/app:1\.2\.3@/);
});

test('a failed or skipped signing says so, escaped', () => {
  expect(renderMarkdown({ ...passing, signing: { required: true, ok: false, entries: [], error: 'signing failed: <b>|x', verifyCommands: [] } })).toContain('**Signing failed**: signing failed: &lt;b&gt;\\|x');
  expect(renderMarkdown({ ...passing, signing: { required: false, ok: false, entries: [], skipped: 'verification failed: nothing signed', verifyCommands: [] } })).toContain('**Not signed:** verification failed: nothing signed');
  expect(renderMarkdown(passing)).not.toMatch(/Signed|Not signed|Signing/);
});

test('terminal lines and outputs', () => {
  const text = renderTerminal(signed);
  expect(text).toContain(`signed   3 digests as ${ID}`);
  expect(text).toContain(`  linux/amd64    ${passing.legs[0]!.digest} → sha256:${'22'.repeat(32)} (referrers tag index (sha256-…); Rekor #43)`);
  const out = resolveOutputs(signed);
  expect(out.signed).toBe('true');
  expect(JSON.parse(out.signatures!)).toEqual(Object.fromEntries(signing.entries.map((e) => [e.digest, e.referrer])));
  expect(out['verify-commands']).toBe(signing.verifyCommands[0]);
  expect(resolveOutputs(passing)).toMatchObject({ signed: 'false', signatures: '{}', 'verify-commands': '' });
});
