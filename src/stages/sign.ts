/**
 * Sign exactly what was verified: the index and every verified platform manifest, after
 * verification and the smoke test, before any tag moves. A run whose verification failed signs
 * nothing. `sign: true` makes a failure count (the step fails; under `verify: strict` no tag
 * moves); `auto` warns and carries on.
 */
import type { Destination } from '../build/publish.js';
import { cosignVerifyCommands } from '../sign/commands.js';
import { confirmStored, signAndStore, type SignTarget } from '../sign/image.js';
import { decodeClaims, fetchIdToken } from '../sign/oidc.js';
import { KeylessSigner } from '../sign/signer.js';
import { bundleProblem, loadTrustMaterial } from '../sign/verify.js';
import type { Config } from '../types/config.js';
import type { Io } from '../types/io.js';
import type { RunReport } from '../types/plan.js';
import { GITHUB_ACTIONS_ISSUER, type SignedEntry, type Signing } from '../types/sign.js';

/** Undefined when this run does not sign at all (sign: false, auto outside a job with an ID token, no push). */
export async function signVerified(config: Config, io: Io, report: RunReport, dests: Destination[]): Promise<Signing | undefined> {
  const sign = config.sign;
  if (!sign || sign.mode === 'false' || !config.push || !report.index) return undefined;
  if (!sign.idToken) {
    io.info('sign: auto, and this job cannot request an ID token (no "permissions: id-token: write"): not signing');
    return undefined;
  }
  if (sign.withheld) {
    // Said in the log and the summary: a private repository's user must see why nothing was signed.
    io.info(sign.withheld);
    return { required: false, ok: false, entries: [], skipped: sign.withheld, verifyCommands: [] };
  }
  const required = sign.mode === 'true';
  const v = report.verification;
  if (!v || !v.ok) {
    const skipped = v ? 'verification failed: nothing signed' : 'verify is off: nothing was verified, so nothing signed';
    io[required ? 'warning' : 'info'](`sign: ${skipped}`);
    return { required, ok: false, entries: [], skipped, verifyCommands: [] };
  }
  const index = report.index;
  const targets: SignTarget[] = [{ descriptor: { mediaType: index.mediaType, digest: index.digest, size: index.size } }];
  for (const p of v.platforms) {
    const descriptor = index.platforms.find((d) => d.digest === p.digest);
    if (descriptor) targets.push({ descriptor: { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size }, platform: p.platform });
  }

  const entries: SignedEntry[] = [];
  let issuer = GITHUB_ACTIONS_ISSUER;
  const signer = new KeylessSigner({
    endpoints: sign.endpoints,
    identityToken: async () => {
      const token = await fetchIdToken({ request: sign.idToken!, onSecret: (s) => io.secret(s) });
      const iss = decodeClaims(token)['iss'];
      if (typeof iss === 'string') issuer = iss;
      return token;
    }
  });
  try {
    await io.group('Sign', async () => {
      const trust = await loadTrustMaterial(sign.endpoints.trustedRootPath);
      // Nothing is stored that would not verify for this run's own identity against the trusted root.
      const check = (bundle: { bytes: Buffer }, digest: string) => bundleProblem(bundle.bytes, digest, { identity: signer.identity ?? '', issuer }, trust);
      for (const t of targets) {
        const entry = await signAndStore(signer, t, dests, (b) => check(b, t.descriptor.digest));
        const lost = await confirmStored(dests, { digest: entry.digest }, { identity: signer.identity ?? '', issuer }, trust);
        if (lost.length) throw new Error(`the signature of ${entry.digest} was stored but is not found when read back as cosign reads it: ${lost.join('; ')}`);
        entries.push(entry);
        io.info(`signed ${t.platform ?? 'index'} ${entry.digest} → referrer ${entry.referrer} (${entry.via === 'referrers-api' ? 'referrers API' : 'referrers tag index'}; read back and verified in ${dests.length} repositor${dests.length === 1 ? 'y' : 'ies'})`);
      }
      io.info(`signed as ${signer.identity ?? '(unknown identity)'} (issuer ${issuer})`);
    });
  } catch (err) {
    const error = `signing failed: ${(err as Error).message}`;
    if (!required) io.warning(`${error} (sign: auto, so the run goes on unsigned)`);
    return { required, ok: false, entries, error, ...(signer.identity ? { identity: signer.identity } : {}), verifyCommands: [] };
  }
  return {
    required,
    ok: true,
    entries,
    ...(signer.identity ? { identity: signer.identity } : {}),
    verifyCommands: signer.identity ? cosignVerifyCommands(config.tags, index.digest, signer.identity, issuer, sign.endpoints.trustedRootPath) : []
  };
}
