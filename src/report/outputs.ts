/** Step outputs, shaped like build-push-action's where the names overlap. */
import type { RunReport } from '../types/plan.js';
import { toPlanJson } from '../plan/json.js';
import { attestingOutputs } from './attesting.js';
import { signingOutputs } from './signing.js';

export function resolveOutputs(r: RunReport): Record<string, string> {
  const out: Record<string, string> = {};
  if (r.index && !r.filesOnly) {
    out.digest = r.index.digest;
    out.imageid = r.index.digest;
    out.metadata = JSON.stringify({
      'containerimage.digest': r.index.digest,
      'containerimage.descriptor': { mediaType: r.index.mediaType, digest: r.index.digest, size: r.index.size },
      ...(r.tags.length ? { 'image.name': r.tags.join(',') } : {}),
      ...(r.layout ? { 'multiarch.layout': r.layout } : {})
    });
  }
  // A leg's image is its one platform manifest, pushed by digest.
  if (r.mode === 'leg' && r.legs[0]?.digest) out.digest = r.legs[0].digest;
  out.platforms = JSON.stringify(platformsJson(r));
  if (r.plan) out.plan = JSON.stringify(toPlanJson(r.plan));
  if (r.matrix) out.matrix = JSON.stringify(r.matrix);
  if (r.call) out.call = JSON.stringify(r.call.json);
  // Every run that merged says whether it signed; the other helpers' attest rows sit beside these.
  if (r.index) Object.assign(out, signingOutputs(r));
  if (r.index && r.attesting) {
    const a = attestingOutputs(r);
    out.attestations = a.attestations;
    out['verify-commands'] = [out['verify-commands'], ...a.verifyCommands].filter(Boolean).join('\n');
  }
  return out;
}

export function platformsJson(r: RunReport): unknown[] {
  return (r.plan?.platforms ?? []).map((p) => {
    const leg = r.legs.find((l) => l.platform.platform === p.platform);
    const v = r.verification?.platforms.find((x) => x.platform === p.platform);
    const sbom = r.sboms?.find((x) => x.platform === p.platform);
    return {
      platform: p.platform,
      strategy: p.strategy,
      digest: leg?.digest ?? null,
      built: leg?.ok ?? false,
      startedAt: leg ? new Date(leg.startedAt).toISOString() : null,
      durationMs: leg?.durationMs ?? null,
      compressedSize: leg?.compressedSize ?? null,
      verified: v ? v.ok : null,
      checks: v?.checks ?? [],
      ...(sbom ? { sbom: { attestation: sbom.attestation ?? null, packages: sbom.packages ?? null, ...(sbom.note ? { note: sbom.note } : {}) } } : {})
    };
  });
}
