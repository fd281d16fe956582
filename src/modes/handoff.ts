/**
 * The channel between jobs: a leg publishes its record, merge collects one per platform. The
 * action uses GitHub Actions artifacts (artifact-handoff.ts); see the README for why.
 */
import type { LegRecord } from '../types/leg-record.js';

export interface CollectedLegs {
  /** platform → its latest record. */
  records: Map<string, LegRecord>;
  /** platform → why its record could not be read. */
  unreadable: Map<string, string>;
  /** Records named like this image's legs that match no expected platform. */
  ignored: string[];
}

export interface LegHandoff {
  /** Hands the record on; returns where it went (the artifact name). */
  publish(record: LegRecord): Promise<string>;
  /** The latest record of each expected platform that has one. */
  collect(expected: string[]): Promise<CollectedLegs>;
}
