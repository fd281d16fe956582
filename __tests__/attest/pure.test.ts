/** Attestation statements, gh verify commands, the report rows and the tag decision. */
import { ghVerifyCommands } from '../../src/attest/commands.js';
import { provenancePredicate, provenanceStatement, subjectName, subjectsFor } from '../../src/attest/statement.js';
import { attestingOutputs, renderAttestingMarkdown, renderAttestingTerminal } from '../../src/report/attesting.js';
import { resolveOutputs } from '../../src/report/outputs.js';
import { decideTagging } from '../../src/stages/merge.js';
import type { Attesting } from '../../src/types/attest.js';
import type { Config } from '../../src/types/config.js';
import type { RunReport } from '../../src/types/plan.js';

const D1 = 'sha256:' + 'a'.repeat(64);
const D2 = 'sha256:' + 'b'.repeat(64);
const CLAIMS = {
  iss: 'https://token.actions.githubusercontent.com', ref: 'refs/tags/v1', sha: 'c0ffee', repository: 'acme/app', event_name: 'push', repository_id: '1', repository_owner_id: '2',
  runner_environment: 'github-hosted', run_id: '77', run_attempt: '2', workflow_ref: 'acme/app/.github/workflows/release.yml@refs/tags/v1', job_workflow_ref: 'acme/shared/.github/workflows/build.yml@refs/heads/main'
};

test('subject names as gh attestation verify oci:// names the image: repository without tag, Docker Hub as index.docker.io', () => {
  expect(subjectName('ghcr.io', 'acme/app')).toBe('ghcr.io/acme/app');
  expect(subjectName('localhost:5000', 'e2e/attest')).toBe('localhost:5000/e2e/attest');
  expect(subjectName('docker.io', 'library/alpine')).toBe('index.docker.io/library/alpine');
  expect(subjectsFor(['ghcr.io/acme/app', 'ghcr.io/acme/app', 'docker.io/acme/app'], D1)).toEqual([
    { name: 'ghcr.io/acme/app', digest: { sha256: 'a'.repeat(64) } },
    { name: 'docker.io/acme/app', digest: { sha256: 'a'.repeat(64) } }
  ]);
});

test('the predicate is GitHub\'s workflow build type, filled from the claims; a reusable workflow is the builder', () => {
  const p = provenancePredicate(CLAIMS, 'https://github.com/');
  expect(p.type).toBe('https://slsa.dev/provenance/v1');
  expect(p.params).toEqual({
    buildDefinition: {
      buildType: 'https://actions.github.io/buildtypes/workflow/v1',
      externalParameters: { workflow: { ref: 'refs/tags/v1', repository: 'https://github.com/acme/app', path: '.github/workflows/release.yml' } },
      internalParameters: { github: { event_name: 'push', repository_id: '1', repository_owner_id: '2', runner_environment: 'github-hosted' } },
      resolvedDependencies: [{ uri: 'git+https://github.com/acme/app@refs/tags/v1', digest: { gitCommit: 'c0ffee' } }]
    },
    runDetails: { builder: { id: 'https://github.com/acme/shared/.github/workflows/build.yml@refs/heads/main' }, metadata: { invocationId: 'https://github.com/acme/app/actions/runs/77/attempts/2' } }
  });
  const statement = JSON.parse(provenanceStatement(subjectsFor(['ghcr.io/acme/app'], D1), p).toString());
  expect(statement).toEqual({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'ghcr.io/acme/app', digest: { sha256: 'a'.repeat(64) } }], predicateType: 'https://slsa.dev/provenance/v1', predicate: p.params });
});

test('a token without the claims provenance needs is refused by naming them', () => {
  const { sha: _sha, run_id: _run, ...rest } = CLAIMS;
  expect(() => provenancePredicate(rest, 'https://github.com')).toThrow('the ID token lacks the claims sha, run_id, which provenance is made of');
});

test('gh attestation verify: one line per tag, the repository, a private trusted root; words quoted for a shell', () => {
  expect(ghVerifyCommands(['ghcr.io/acme/app:1.0', 'ghcr.io/acme/app'], { repository: 'acme/app' })).toEqual([
    'gh attestation verify oci://ghcr.io/acme/app:1.0 -R acme/app',
    'gh attestation verify oci://ghcr.io/acme/app:latest -R acme/app'
  ]);
  expect(ghVerifyCommands(['localhost:5000/a:b'], { repository: 'acme/app', trustedRootPath: '/tmp/my root.json' })).toEqual(["gh attestation verify oci://localhost:5000/a:b -R acme/app --custom-trusted-root '/tmp/my root.json'"]);
});

const attested: Attesting = {
  ok: true,
  identity: 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main',
  entries: [
    { digest: D1, id: '11', url: 'https://github.com/acme/app/attestations/11', referrer: 'sha256:' + 'c'.repeat(64), via: 'tag-schema' },
    { digest: D2, platform: 'linux/arm64', id: '12', url: 'https://github.com/acme/app/attestations/12' }
  ],
  verifyCommands: ['gh attestation verify oci://ghcr.io/acme/app:1 -R acme/app']
};
const report = (a: Attesting): RunReport => ({ image: 'ghcr.io/acme/app:1', tags: ['ghcr.io/acme/app:1'], pushed: true, legs: [], logs: {}, durationMs: 1, index: { digest: D1, mediaType: 'application/vnd.oci.image.index.v1+json', size: 1, bytes: Buffer.from('{}'), platforms: [], attestations: [] }, attesting: a });

test('summary: one row per attested digest with its page and referrer, then the verify commands', () => {
  const md = renderAttestingMarkdown(report(attested));
  expect(md).toContain('**Attested** as `https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main`: SLSA build provenance for 2 digests, GitHub artifact attestations');
  expect(md).toContain(`| index | \`${D1}\` | [11](https://github.com/acme/app/attestations/11) | \`sha256:${'c'.repeat(64)}\` |`);
  expect(md).toContain(`| \`linux/arm64\` | \`${D2}\` | [12](https://github.com/acme/app/attestations/12) | – |`);
  expect(md).toContain('gh attestation verify oci://ghcr.io/acme/app:1 -R acme/app');
  expect(renderAttestingMarkdown(report({ ok: false, entries: [], skipped: 'verification failed: nothing attested', verifyCommands: [] }))).toContain('**Not attested:** verification failed: nothing attested');
  expect(renderAttestingTerminal(report(attested))[0]).toBe(`attested 2 digests as ${attested.identity}`);
});

test('outputs: attestations JSON, and the gh lines appended to verify-commands after cosign\'s', () => {
  expect(JSON.parse(attestingOutputs(report(attested)).attestations)).toEqual({
    [D1]: { id: '11', url: 'https://github.com/acme/app/attestations/11', referrer: 'sha256:' + 'c'.repeat(64) },
    [D2]: { id: '12', url: 'https://github.com/acme/app/attestations/12' }
  });
  const out = resolveOutputs({ ...report(attested), signing: { required: true, ok: true, entries: [], verifyCommands: ['cosign verify x'] } });
  expect(out['verify-commands']).toBe('cosign verify x\ngh attestation verify oci://ghcr.io/acme/app:1 -R acme/app');
});

describe('decideTagging with attest: true', () => {
  const config = (verify: 'strict' | 'warn') => ({ tags: ['r/a:1'], verify }) as unknown as Config;
  const ok = { platforms: [], extra: [], ok: true };
  const failed: Attesting = { ok: false, entries: [], error: 'attestation failed: HTTP 403', verifyCommands: [] };
  test('a failed attestation moves no tag under strict, and tags anyway under warn', () => {
    expect(decideTagging(config('strict'), ok, undefined, failed)).toEqual({ tags: ['r/a:1'], moved: false, reason: 'attestation failed: no tag moved (attest: true, verify: strict)' });
    expect(decideTagging(config('warn'), ok, undefined, failed)).toMatchObject({ moved: true, reason: expect.stringMatching(/attestation failed but verify is "warn"/) });
  });
  test('a successful one changes nothing; failed verification still says so first', () => {
    expect(decideTagging(config('strict'), ok, undefined, attested)).toEqual({ tags: ['r/a:1'], moved: true });
    expect(decideTagging(config('strict'), { ...ok, ok: false }, undefined, failed).reason).toMatch(/verification failed/);
  });
});
