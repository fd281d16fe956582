/** The pure parts of signing: the statement, the referrer shapes, the tag schema, the verify commands, tagging. */
import { decideTagging } from '../../src/stages/merge.js';
import { cosignVerifyCommands, identityRegexp, shellWord } from '../../src/sign/commands.js';
import { signatureArtifact } from '../../src/sign/image.js';
import { decodeClaims } from '../../src/sign/oidc.js';
import { imageSignatureStatement, statementProblem } from '../../src/sign/statement.js';
import { addToTagIndex, composeReferrer, referrersTag } from '../../src/registry/referrers.js';
import { nextLink } from '../../src/registry/client.js';
import type { Config } from '../../src/types/config.js';
import type { Signing } from '../../src/types/sign.js';

const D = `sha256:${'ab'.repeat(32)}`;

test('the statement is cosign v3\'s: in-toto v1, one subject by digest, the cosign sign predicate', () => {
  expect(JSON.parse(imageSignatureStatement(D).toString())).toEqual({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ digest: { sha256: 'ab'.repeat(32) } }],
    predicateType: 'https://sigstore.dev/cosign/sign/v1',
    predicate: {}
  });
  expect(statementProblem(imageSignatureStatement(D), D)).toBeUndefined();
});

test.each([
  ['not json', /not JSON/],
  [JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', subject: [], predicateType: 'https://sigstore.dev/cosign/sign/v1' }), /not an in-toto Statement v1/],
  [JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: 'ab'.repeat(32) } }], predicateType: 'https://slsa.dev/provenance/v1' }), /predicateType is "https:\/\/slsa.dev\/provenance\/v1"/],
  [JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: 'cd'.repeat(32) } }], predicateType: 'https://sigstore.dev/cosign/sign/v1' }), /signs sha256:cdcd.*, not sha256:abab/]
])('a payload that does not sign the digest is named: %s', (payload, message) => {
  expect(statementProblem(Buffer.from(payload), D)).toMatch(message);
});

test('the referrer manifest: OCI 1.1 artifact, empty config, the bundle as its one layer, the subject', () => {
  const subject = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: D, size: 500, annotations: { dropped: 'yes' } };
  const { manifest, bytes, descriptor } = composeReferrer(subject, signatureArtifact(Buffer.from('{"bundle":1}'), new Date('2026-01-02T03:04:05.678Z')));
  expect(manifest).toEqual({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 },
    layers: [{ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', digest: expect.stringMatching(/^sha256:/), size: 12 }],
    subject: { mediaType: 'application/vnd.oci.image.index.v1+json', digest: D, size: 500 },
    annotations: { 'org.opencontainers.image.created': '2026-01-02T03:04:05Z', 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1' }
  });
  expect(descriptor).toMatchObject({ mediaType: manifest.mediaType, size: bytes.length, artifactType: manifest.artifactType, annotations: manifest.annotations });
});

test('the referrers tag schema: truncated algorithm and hex', () => {
  expect(referrersTag(D)).toBe(`sha256-${'ab'.repeat(32)}`);
  expect(referrersTag(`sha512:${'0f'.repeat(64)}`)).toBe(`sha512-${'0f'.repeat(32)}`);
});

test('the tag index keeps what it had, adds once, and starts empty on 404', () => {
  const a = { mediaType: 'x', digest: `sha256:${'01'.repeat(32)}`, size: 1 };
  const b = { mediaType: 'x', digest: `sha256:${'02'.repeat(32)}`, size: 2, artifactType: 't' };
  const first = addToTagIndex(undefined, a)!;
  expect(first).toEqual({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [a] });
  expect(addToTagIndex({ ...first, annotations: { keep: 'me' } }, b)).toEqual({ ...first, annotations: { keep: 'me' }, manifests: [a, b] });
  expect(addToTagIndex(first, a)).toBeUndefined();
});

test('Link rel="next" is followed relative to the page', () => {
  expect(nextLink('</v2/r/referrers/x?last=2>; rel="next"', 'http://127.0.0.1:9/v2/r/referrers/x')).toBe('http://127.0.0.1:9/v2/r/referrers/x?last=2');
  expect(nextLink('<http://127.0.0.1:9/a>; rel="prev"', 'http://127.0.0.1:9/')).toBeUndefined();
  expect(nextLink(undefined, 'http://127.0.0.1:9/')).toBeUndefined();
});

test('the identity regexp pins the workflow file, not the ref', () => {
  const re = identityRegexp('https://github.com/o/r/.github/workflows/release.yml@refs/heads/main');
  expect(re).toBe('^https://github\\.com/o/r/\\.github/workflows/release\\.yml@');
  expect(new RegExp(re).test('https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1')).toBe(true);
  expect(new RegExp(re).test('https://github.com/o/r/.github/workflows/evil.yml@refs/heads/main')).toBe(false);
  expect(new RegExp(re).test('https://github.com/o/r2/.github/workflows/release.yml@refs/heads/main')).toBe(false);
  expect(identityRegexp('me@example.com')).toBe('^me@example\\.com$');
});

test('cosign verify commands, one per tag, shell-quoted', () => {
  expect(cosignVerifyCommands(['ghcr.io/o/app:1.0', 'ghcr.io/o/app'], D, 'https://github.com/o/r/.github/workflows/ci.yml@refs/heads/main', 'https://token.actions.githubusercontent.com')).toEqual([
    `cosign verify ghcr.io/o/app:1.0@${D} --certificate-identity-regexp '^https://github\\.com/o/r/\\.github/workflows/ci\\.yml@' --certificate-oidc-issuer https://token.actions.githubusercontent.com`,
    `cosign verify ghcr.io/o/app:latest@${D} --certificate-identity-regexp '^https://github\\.com/o/r/\\.github/workflows/ci\\.yml@' --certificate-oidc-issuer https://token.actions.githubusercontent.com`
  ]);
  expect(cosignVerifyCommands(['localhost:5000/a:b'], D, 'x@y.z', 'https://i', '/tmp/root dir/trusted_root.json')[0]).toMatch(/ --trusted-root '\/tmp\/root dir\/trusted_root.json'$/);
  expect(shellWord("it's")).toBe(`'it'\\''s'`);
});

test('JWT claims decode without verification', () => {
  const jwt = `x.${Buffer.from(JSON.stringify({ iss: 'https://i', sub: 's' })).toString('base64url')}.y`;
  expect(decodeClaims(jwt)).toEqual({ iss: 'https://i', sub: 's' });
  expect(() => decodeClaims('nope')).toThrow(/not a JWT/);
});

describe('tagging with signing', () => {
  const config = (verify: Config['verify']) => ({ tags: ['r/a:1'], verify }) as Config;
  const ok = { platforms: [], extra: [], ok: true };
  const failed: Signing = { required: true, ok: false, entries: [], error: 'signing failed: x', verifyCommands: [] };
  test('required signing that failed moves no tag under strict', () => {
    expect(decideTagging(config('strict'), ok, failed)).toEqual({ tags: ['r/a:1'], moved: false, reason: 'signing failed: no tag moved (sign: true, verify: strict)' });
  });
  test('under warn tags move, saying why', () => {
    expect(decideTagging(config('warn'), ok, failed)).toMatchObject({ moved: true, reason: expect.stringMatching(/signing failed but verify is "warn"/) });
  });
  test('auto signing that failed does not hold tags back', () => {
    expect(decideTagging(config('strict'), ok, { ...failed, required: false })).toEqual({ tags: ['r/a:1'], moved: true });
  });
  test('a verification failure keeps its own reason', () => {
    expect(decideTagging(config('strict'), { ...ok, ok: false }, failed).reason).toMatch(/verification failed/);
  });
});
