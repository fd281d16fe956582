/**
 * Each platform's SBOM, read back from where the checks read the image (the registry, or the
 * merged layout): the attestation manifest beside the platform in the index, its in-toto layers
 * whose predicate is an SBOM, and how many packages they list. BuildKit writes one statement per
 * scanned filesystem (the image, and with BUILDKIT_SBOM_SCAN_STAGE/CONTEXT more); the count is
 * the image's own, the first SBOM layer, which BuildKit orders first.
 */
import type { ImageSource } from '../registry/source.js';
import { AnnotationPredicateType, AttestationRefDigest, isAttestation, type Descriptor, type ImageManifest } from '../types/oci.js';
import type { BuiltLeg, PlatformSbom } from '../types/plan.js';

/** Predicate types BuildKit accepts from an SBOM generator. */
export const SbomPredicateTypes = { spdx: 'https://spdx.dev/Document', cyclonedx: 'https://cyclonedx.org/bom' } as const;

/** An SBOM larger than this is not read for its count (a count is a summary nicety, not a check). */
const MAX_SBOM_BYTES = 64 * 1024 * 1024;

export interface SbomReadOptions {
  /** The legs were loaded into the classic image store and read back: they carry no attestation. */
  classicStore?: boolean;
}

export async function readSboms(source: ImageSource, legs: BuiltLeg[], opts: SbomReadOptions = {}): Promise<PlatformSbom[]> {
  const out: PlatformSbom[] = [];
  for (const leg of legs) {
    const platform = leg.platform.platform;
    if (!leg.ok || !leg.digest) continue;
    const mine = leg.attestations.filter((a) => isAttestation(a) && (a.annotations?.[AttestationRefDigest] ?? leg.digest) === leg.digest);
    if (!mine.length) {
      out.push({ platform, note: opts.classicStore ? 'none: the docker driver on the classic image store makes no attestations' : 'none: the build attached no attestation manifest' });
      continue;
    }
    out.push(await readOne(source, platform, mine));
  }
  return out;
}

async function readOne(source: ImageSource, platform: string, attestations: Descriptor[]): Promise<PlatformSbom> {
  try {
    for (const a of attestations) {
      const manifest = JSON.parse((await source.getManifest(a.digest, a.size)).bytes.toString('utf8')) as ImageManifest;
      const layer = manifest.layers.find((l) => isSbomPredicate(l.annotations?.[AnnotationPredicateType]));
      if (!layer) continue;
      if (layer.size > MAX_SBOM_BYTES) return { platform, attestation: a.digest, note: `SBOM of ${layer.size} bytes not read for a count` };
      const statement = JSON.parse((await source.getBlob(layer.digest, layer.size)).toString('utf8')) as unknown;
      return { platform, attestation: a.digest, packages: countPackages(statement) };
    }
    return { platform, note: 'none: its attestation manifest holds no SBOM' };
  } catch (err) {
    return { platform, note: `unreadable: ${(err as Error).message}` };
  }
}

export function isSbomPredicate(type: string | undefined): boolean {
  return type === SbomPredicateTypes.spdx || type === SbomPredicateTypes.cyclonedx;
}

/** Packages an in-toto SBOM statement lists: SPDX `packages`, or CycloneDX `components`. Pure. */
export function countPackages(statement: unknown): number {
  const s = statement as { predicateType?: unknown; predicate?: { packages?: unknown; components?: unknown } } | null;
  const p = s?.predicate;
  if (!p || typeof p !== 'object') throw new Error('the SBOM statement has no predicate');
  const list = s!.predicateType === SbomPredicateTypes.cyclonedx ? p.components : p.packages;
  if (list === undefined) return 0;
  if (!Array.isArray(list)) throw new Error(`the SBOM's ${s!.predicateType === SbomPredicateTypes.cyclonedx ? 'components' : 'packages'} is not a list`);
  return list.length;
}

/** An SBOM was asked for: `sbom` (anything but false), or a `type=sbom` entry of `attests` that is not disabled. */
export function isSbomRequested(sbom: string | undefined, attests: string[]): boolean {
  if (sbom !== undefined) return !/(^|,)\s*(false|disabled=true)\s*(,|$)/i.test(sbom);
  return attests.some((a) => /(^|,)\s*type=sbom\s*(,|$)/.test(a) && !/(^|,)\s*disabled=true\s*(,|$)/.test(a));
}
