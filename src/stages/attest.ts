/**
 * GitHub artifact attestations of exactly what was verified: SLSA build provenance for the index
 * and every verified platform manifest, after verification (and signing), before any tag moves.
 * Each is signed keylessly (the sign stage's signer, with the attest instance), checked, written
 * to the repository's attestations API and, with `attest-push-to-registry`, stored beside its
 * digest as an OCI referrer. A run whose verification failed attests nothing.
 */
import type { Destination } from '../build/publish.js';
import { writeAttestation } from '../attest/api.js';
import { ghVerifyCommands } from '../attest/commands.js';
import { provenancePredicate, provenanceStatement, SLSA_PROVENANCE_V1, subjectName, subjectsFor } from '../attest/statement.js';
import { attachReferrer } from '../registry/referrers.js';
import { signatureArtifact } from '../sign/image.js';
import { decodeClaims, fetchIdToken } from '../sign/oidc.js';
import { KeylessSigner } from '../sign/signer.js';
import { bundleProblem, loadTrustMaterial } from '../sign/verify.js';
import type { AttestedEntry, Attesting } from '../types/attest.js';
import type { Config } from '../types/config.js';
import type { Io } from '../types/io.js';
import type { Descriptor } from '../types/oci.js';
import type { RunReport } from '../types/plan.js';
import { GITHUB_ACTIONS_ISSUER, SigstoreMediaType } from '../types/sign.js';

/** Undefined when this run does not attest (`attest: false`, or nothing was pushed). */
export async function attestVerified(config: Config, io: Io, report: RunReport, dests: Destination[]): Promise<Attesting | undefined> {
  const a = config.attest;
  const idToken = config.sign?.idToken;
  if (!a || !config.push || !report.index) return undefined;
  const v = report.verification;
  if (!v || !v.ok) {
    const skipped = v ? 'verification failed: nothing attested' : 'verify is off: nothing was verified, so nothing attested';
    io.warning(`attest: ${skipped}`);
    return { ok: false, entries: [], skipped, verifyCommands: [] };
  }
  const index = report.index;
  const targets: Array<{ descriptor: Descriptor; platform?: string }> = [{ descriptor: { mediaType: index.mediaType, digest: index.digest, size: index.size } }];
  for (const p of v.platforms) {
    const d = index.platforms.find((x) => x.digest === p.digest);
    if (d) targets.push({ descriptor: { mediaType: d.mediaType, digest: d.digest, size: d.size }, platform: p.platform });
  }
  const names = dests.map((d) => subjectName(d.client.registry, d.repo));
  const entries: AttestedEntry[] = [];
  let identity: string | undefined;
  try {
    await io.group('Attest', async () => {
      if (!idToken || !config.githubToken) throw new Error('no ID token request or github-token (config should have refused attest: true)');
      const token = await fetchIdToken({ request: idToken, onSecret: (s) => io.secret(s) });
      const claims = decodeClaims(token);
      const issuer = typeof claims['iss'] === 'string' ? claims['iss'] : GITHUB_ACTIONS_ISSUER;
      const predicate = provenancePredicate(claims, a.serverUrl);
      const signer = new KeylessSigner({ endpoints: a.endpoints, identityToken: async () => token });
      // GitHub's own instance (a private repository) has no trusted root here; gh checks those.
      const trust = a.endpoints === config.sign?.endpoints ? await loadTrustMaterial(a.endpoints.trustedRootPath) : undefined;
      for (const t of targets) {
        const { digest } = t.descriptor;
        const bundle = await signer.signDsse(provenanceStatement(subjectsFor(names, digest), predicate), SigstoreMediaType.InTotoPayload);
        identity = signer.identity;
        const problem = trust && bundleProblem(bundle.bytes, digest, { identity: identity ?? '', issuer }, trust, SLSA_PROVENANCE_V1);
        if (problem) throw new Error(`the new attestation of ${digest} does not verify: ${problem}`);
        const id = await writeAttestation(bundle.json, { token: config.githubToken, apiUrl: a.apiUrl, repository: a.repository });
        const entry: AttestedEntry = { digest, ...(t.platform ? { platform: t.platform } : {}), id, url: `${a.serverUrl}/${a.repository}/attestations/${id}`, ...(bundle.tlogIndex ? { tlogIndex: bundle.tlogIndex } : {}) };
        if (a.pushToRegistry) {
          const artifact = signatureArtifact(bundle.bytes, new Date(), SLSA_PROVENANCE_V1);
          for (const d of dests) {
            const attached = await attachReferrer(d.client, d.repo, t.descriptor, artifact);
            entry.referrer ??= attached.descriptor.digest;
            entry.via ??= attached.via;
          }
        }
        entries.push(entry);
        io.info(`attested ${t.platform ?? 'index'} ${digest} → ${entry.url}${entry.referrer ? `, referrer ${entry.referrer}` : ''}`);
      }
    });
  } catch (err) {
    return { ok: false, entries, error: `attestation failed: ${(err as Error).message}`, ...(identity ? { identity } : {}), verifyCommands: [] };
  }
  return { ok: true, entries, ...(identity ? { identity } : {}), verifyCommands: ghVerifyCommands(config.tags, { repository: a.repository, ...(a.endpoints.trustedRootPath ? { trustedRootPath: a.endpoints.trustedRootPath } : {}) }) };
}

