/**
 * The leg record: what a `leg` job hands to the `merge` job, through a GitHub Actions artifact.
 * Small and self-contained: merge rebuilds the index from these descriptors alone, since every
 * manifest and blob is already in the registry, pushed by digest.
 */
import type { Descriptor } from './oci.js';
import type { CacheStats, PlatformPlan, Strategy } from './plan.js';

export const LEG_RECORD_VERSION = 1;

export interface LegRecord {
  version: typeof LEG_RECORD_VERSION;
  /** The image the leg belongs to: the first tag, as given. */
  image: string;
  platform: string;
  /** Run attempt that wrote it: a re-run leg's record replaces the earlier attempt's. */
  attempt: number;
  ok: boolean;
  error?: string;
  /** The platform manifest, as pushed by digest. Set when ok. */
  manifest?: Descriptor;
  /** Attestation manifests that point at it, pushed beside it. */
  attestations: Descriptor[];
  strategy?: Strategy;
  /** The leg's plan entry, as planned on its own runner. Absent when planning itself failed. */
  plan?: PlatformPlan;
  /** `registry/repository` of every repository the manifests were pushed to. */
  repositories: string[];
  /** Epoch milliseconds. */
  startedAt: number;
  durationMs: number;
  compressedSize?: number;
  cache?: CacheStats;
  /** The end of a failed build's log, for the merge step's summary. */
  logTail?: string;
}
