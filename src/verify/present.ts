/**
 * The `present` and `extra` checks: what an index holds against what was asked for. Attestation
 * manifests (BuildKit's provenance and SBOM, platform unknown/unknown) are set apart first, so
 * they are never mistaken for an unknown/unknown image nobody asked for.
 */
import type { Check } from '../types/plan.js';
import { AttestationRefDigest, isAttestation, type Descriptor, type ImageIndex } from '../types/oci.js';
import { formatPlatform, normalizePlatform } from './platform.js';

/** An image manifest in the index and the platform it is for (`(no platform)` when it has none). */
export interface PlatformEntry {
  platform: string;
  descriptor: Descriptor;
}

/** An attestation manifest and the image manifest it describes. */
export interface AttestationEntry {
  digest: string;
  /** Digest of the manifest it attests (vnd.docker.reference.digest), when annotated. */
  refersTo?: string;
}

/** An index sorted into image manifests and attestations. */
export interface Inventory {
  entries: PlatformEntry[];
  attestations: AttestationEntry[];
  /** Words for messages: `the index sha256:…` or `the single-platform manifest sha256:…`. */
  label: string;
}

/** The platform label of an index entry that has no platform field. */
export const NO_PLATFORM = '(no platform)';

/** Sorts an index's manifests into platforms and attestations. */
export function inventoryIndex(index: ImageIndex, digest: string): Inventory {
  const entries: PlatformEntry[] = [];
  const attestations: AttestationEntry[] = [];
  for (const descriptor of index.manifests) {
    if (isAttestation(descriptor)) {
      const refersTo = descriptor.annotations?.[AttestationRefDigest];
      attestations.push(refersTo ? { digest: descriptor.digest, refersTo } : { digest: descriptor.digest });
    } else {
      entries.push({ platform: descriptor.platform ? formatPlatform(descriptor.platform) : NO_PLATFORM, descriptor });
    }
  }
  return { entries, attestations, label: `the index ${digest}` };
}

/**
 * Checks one requested platform; returns the manifest to verify when present. A platform listed
 * twice fails (runtimes pull the first), and the first is still verified.
 */
export function presentCheck(requested: string, inventory: Inventory): { check: Check; descriptor?: Descriptor } {
  const matches = inventory.entries.filter((e) => e.platform === requested);
  const expected = `${requested} in ${inventory.label}`;
  const first = matches[0];
  if (first && matches.length === 1) {
    return { check: { name: 'present', ok: true, expected, actual: `${first.descriptor.digest} (${requested})` }, descriptor: first.descriptor };
  }
  if (first) {
    const digests = matches.map((m) => m.descriptor.digest).join(', ');
    return {
      check: {
        name: 'present',
        ok: false,
        expected: `${requested} once in ${inventory.label}`,
        actual: `${matches.length} manifests for ${requested}: ${digests}`,
        detail: `Runtimes pull the first (${first.descriptor.digest}); the others are unreachable. Merge exactly one manifest per platform.`
      },
      descriptor: first.descriptor
    };
  }
  const have = inventory.entries.map((e) => e.platform);
  const wanted = normalizePlatform(parse(requested));
  const near = inventory.entries.filter((e) => {
    const [os, arch] = e.platform.split('/');
    return os === wanted.os && arch === wanted.architecture;
  });
  const hint = near.length
    ? `The index has ${near.map((n) => n.platform).join(', ')}: the same architecture with a different variant. Request that platform instead, or build ${requested} so the variant matches.`
    : `Check that the ${requested} build succeeded and that its digest was included when the index was merged.`;
  return {
    check: {
      name: 'present',
      ok: false,
      expected,
      actual: `absent (it has ${have.length ? have.join(', ') : 'no image manifests'})`,
      detail: `No manifest in ${inventory.label} is for ${requested}. ${hint}`
    }
  };
}

/** Platforms in the index that nobody asked for, each with its failing `extra` check. */
export function extraChecks(requested: string[], inventory: Inventory): Array<PlatformEntry & { check: Check }> {
  const asked = new Set(requested);
  return inventory.entries
    .filter((e) => !asked.has(e.platform))
    .map((e) => ({
      ...e,
      check: {
        name: 'extra',
        ok: false,
        expected: `no manifest for ${e.platform} (not requested; requested ${requested.join(', ') || 'nothing'})`,
        actual: `${e.descriptor.digest} for ${e.platform} in ${inventory.label}`,
        detail: extraDetail(e)
      }
    }));
}

function extraDetail(entry: PlatformEntry): string {
  if (entry.platform === NO_PLATFORM) {
    return `This manifest has no platform, so runtimes cannot select it and nothing verified it. Remove it, or give it a platform.`;
  }
  if (entry.platform === 'unknown/unknown') {
    return `An unknown/unknown manifest without the vnd.docker.reference.type=attestation-manifest annotation is neither an image nor a recognised attestation. If it is an attestation, annotate it; otherwise remove it.`;
  }
  return `Machines on ${entry.platform} would pull this image although it was never verified. Remove ${entry.platform} from the build, or add it to the requested platforms so it is verified too.`;
}

function parse(platform: string): { os: string; architecture: string; variant?: string } {
  const [os = '', architecture = '', variant] = platform.split('/');
  return variant ? { os, architecture, variant } : { os, architecture };
}
