/**
 * `verify-signatures`: after this run signs, and before any tag moves, every digest the tags will
 * point at (the index and each platform manifest) must carry a signature that verifies for the
 * user's identity policy, in every repository of the tags, read back as `cosign verify` finds it.
 */
import type { Destination } from '../build/publish.js';
import { formatPlatform } from '../platform.js';
import { checkSignatures } from '../sign/image.js';
import { loadTrustMaterial } from '../sign/verify.js';
import type { Config } from '../types/config.js';
import type { Io } from '../types/io.js';
import type { RunReport } from '../types/plan.js';
import { describePolicy, type RequiredSignatures } from '../types/sign.js';

/** Undefined when verify-signatures is off or nothing was pushed. */
export async function checkRequiredSignatures(config: Config, io: Io, report: RunReport, dests: Destination[]): Promise<RequiredSignatures | undefined> {
  const policy = config.verifySignatures;
  const index = report.index;
  if (!policy || !config.push || !index || dests.length === 0) return undefined;
  if (report.verification && !report.verification.ok) return { policy, ok: false, checks: [], skipped: 'verification failed: signatures not checked' };
  const targets: Array<{ digest: string; platform?: string }> = [{ digest: index.digest }, ...index.platforms.map((d) => ({ digest: d.digest, platform: d.platform ? formatPlatform(d.platform) : 'unknown' }))];
  const checks: RequiredSignatures['checks'] = [];
  try {
    return await io.group('Verify signatures', async () => {
      io.info(`every digest must be signed by ${describePolicy(policy)}`);
      const trust = await loadTrustMaterial(config.sign?.endpoints.trustedRootPath);
      for (const { client, repo } of dests) {
        const repository = `${client.registry}/${repo}`;
        for (const t of targets) {
          const check = { ...(await checkSignatures(client, repo, t, policy, trust)), repository };
          checks.push(check);
          io.info(`${repository} ${t.platform ?? 'index'} ${t.digest}: ${check.ok ? `signed (${check.verified.length} verifying signature${check.verified.length === 1 ? '' : 's'})` : `NOT SIGNED: ${check.problems.join('; ')}`}`);
        }
      }
      return { policy, ok: checks.every((c) => c.ok), checks };
    });
  } catch (err) {
    return { policy, ok: false, checks, error: `the signatures could not be checked: ${(err as Error).message}` };
  }
}

/** The step's error when a digest lacks a signature for the policy; undefined when all carry one. */
export function requiredSignaturesError(r: RequiredSignatures, tagsMoved: boolean): string | undefined {
  if (r.ok || r.skipped) return undefined;
  const missing = r.checks.filter((c) => !c.ok);
  const what = r.error ?? `${missing.length} of ${r.checks.length} digests carry no signature for ${describePolicy(r.policy)}: ${missing.map((c) => `${c.platform ?? 'index'} ${c.digest} in ${c.repository} (${c.problems.join('; ')})`).join(', ')}`;
  return `verify-signatures: ${what}${tagsMoved ? '' : '; no tag moved'}`;
}
