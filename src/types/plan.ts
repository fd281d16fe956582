/**
 * The typed plan that flows one way through the pipeline. Each stage widens the previous type
 * instead of mutating it, so the report can explain every decision.
 */
import type { BuildRecordReport } from './build-record.js';
import type { CallReport } from './call.js';
import type { Mode } from './config.js';
import type { BuilderFacts, EngineFacts } from './engine.js';
import type { Matrix } from './matrix.js';
import type { Descriptor } from './oci.js';

export type Strategy = 'native' | 'cross' | 'emulated';

/** A RUN instruction that executes in the target architecture. */
export interface EmulatedStep {
  stage: string;
  line: number;
  command?: string;
  /** Platform the RUN executes in: the target, or a literal platform its stage is pinned to. */
  platform?: string;
}

/** A Dockerfile rewrite that turns an emulated compile into a cross compile. */
export interface Rewrite {
  kind: 'go' | 'jvm';
  /** 1-based line of the FROM that was pinned to $BUILDPLATFORM. */
  line: number;
  /** Path of the rewritten Dockerfile (a temp file; the user's file is never touched). */
  file?: string;
  diff?: string;
}

export interface Warning {
  file: string;
  line: number;
  message: string;
  /** A concrete fix, shown as an annotation on the line. */
  hint?: string;
}

export interface PlatformPlan {
  /** Normalised platform string, e.g. linux/arm/v7. */
  platform: string;
  strategy: Strategy;
  language: string;
  emulatedSteps: EmulatedStep[];
  rewrite: Rewrite | null;
  reasons: string[];
  /** Cache scope for type=gha caches, unique per image and platform. */
  cacheScope: string;
  /** Builder node that builds this platform natively, when there is one. */
  node?: string;
  /** With a rewrite: how the user's Dockerfile as written would build, for the fallback. */
  asWritten?: { strategy: Strategy; emulatedSteps: EmulatedStep[] };
  /** The rewritten leg failed (to build or to verify) and was rebuilt from the Dockerfile as written. */
  fallback?: { error: string; rewrite: Rewrite };
}

export interface Plan {
  platforms: PlatformPlan[];
  languages: string[];
  /** Platforms that need QEMU. */
  qemu: string[];
  warnings: Warning[];
  /** Dockerfile the legs build from: the user's, or the rewritten temp file. */
  dockerfile: string;
  /**
   * The Dockerfile after the cross-compile rewrite, when `crossCompile: auto` changed anything.
   * The caller writes it to a temp file and points `dockerfile` (and each rewrite's `file`) at it.
   * Line numbers everywhere in the plan refer to the user's file, not to this text.
   */
  rewrittenText?: string;
}

export interface Leg {
  platform: PlatformPlan;
  /** OCI layout directory the leg exports to. */
  outDir: string;
  metadataFile: string;
  /** Where the leg also exports its files, for a `type=local` or `type=tar` output. */
  filesDir?: string;
}

export interface CacheStats {
  steps: number;
  cached: number;
}

export interface BuiltLeg extends Leg {
  ok: boolean;
  error?: string;
  /** Digest of the platform image manifest. */
  digest?: string;
  /** Descriptor of the platform manifest, plus attestation manifests that point at it. */
  manifest?: Descriptor;
  attestations: Descriptor[];
  startedAt: number;
  durationMs: number;
  cache?: CacheStats;
  /** Compressed size: manifest + config + layers. */
  compressedSize?: number;
  /** buildx's `builder/node/id` for this build (`buildx.build.ref`); absent when the build failed. */
  buildRef?: string;
}

export interface MergedIndex {
  digest: string;
  mediaType: string;
  size: number;
  /** Raw bytes of the index, PUT once by digest and again under every tag. */
  bytes: Buffer;
  platforms: Descriptor[];
  attestations: Descriptor[];
}

export interface Check {
  name: string;
  ok: boolean;
  expected?: string;
  actual?: string;
  detail?: string;
  /** A skipped check neither passes nor fails the platform. */
  skipped?: boolean;
}

export interface PlatformVerification {
  platform: string;
  digest?: string;
  checks: Check[];
  ok: boolean;
}

export interface Verification {
  platforms: PlatformVerification[];
  /** Manifests in the index that nobody asked for. */
  extra: string[];
  ok: boolean;
}

export interface Tagged {
  tags: string[];
  /** True when any tag moved; with failedTags set, the move was partial. */
  moved: boolean;
  reason?: string;
  /** Full references the registry accepted, when a move was tried. */
  movedTags?: string[];
  /** Full references the registry refused, with its reason. */
  failedTags?: Array<{ tag: string; reason: string }>;
}

/** Everything the report needs, gathered once at the end of the run (or at the failure). */
/** One `outputs` line and what the run did with it: files only, build only, loaded, written, or not. */
export interface OutputNote {
  output: string;
  note: string;
}

export interface RunReport {
  /** What the step did (the `mode` input); absent means `all`. */
  mode?: Mode;
  image: string;
  tags: string[];
  pushed: boolean;
  /** oci-layout:// directory, when the merged image went to disk. */
  layout?: string;
  /** What became of each `outputs` line beyond the push and the layout, in the input's order. */
  outputs?: OutputNote[];
  plan?: Plan;
  legs: BuiltLeg[];
  index?: MergedIndex;
  verification?: Verification;
  tagged?: Tagged;
  /** The first error that failed the run. */
  error?: string;
  /** Whole logs of failed legs, for <details>. */
  logs: Record<string, string>;
  durationMs: number;
  /** The `plan` mode's leg matrix. */
  matrix?: Matrix;
  /** The Docker engine the run talked to, and the builder its legs ran on. */
  engine?: EngineFacts;
  builder?: BuilderFacts;
  /** A `call` subrequest's result (check, outline, targets): then nothing was built. */
  call?: CallReport;
  /** The legs' build records, uploaded as build-push-action uploads its own (action only). */
  buildRecord?: BuildRecordReport;
}
