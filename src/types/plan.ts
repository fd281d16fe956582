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
import type { Attesting } from './attest.js';
import type { RequiredSignatures, Signing } from './sign.js';

export type Strategy = 'native' | 'cross' | 'emulated';

/** A RUN instruction that executes in the target architecture. */
export interface EmulatedStep {
  stage: string;
  line: number;
  command?: string;
  /** Platform the RUN executes in: the target, or a literal platform its stage is pinned to. */
  platform?: string;
}

/**
 * What a rewrite did: pinned a Go, JVM or Node chain of stages to $BUILDPLATFORM, or (`arg`)
 * declared the `ARG TARGETARCH` (and friends) a stage uses but never declares.
 */
export type RewriteKind = 'go' | 'jvm' | 'node' | 'arg';

/** A Dockerfile rewrite that turns an emulated compile into a cross compile, or fixes a missing ARG. */
export interface Rewrite {
  kind: RewriteKind;
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
  /** The fix as a unified diff of the Dockerfile, when it is an exact edit (.NET, Zig). */
  diff?: string;
}

/**
 * What cross-compiling saves on a platform whose Dockerfile, as written, compiles under QEMU:
 * the emulated build's time against a cross one. Times are filled in after the build.
 */
export interface Savings {
  /** RUNs that compile (or install native code) under QEMU in the file as written. */
  emulatedRuns: number;
  /** How the leg was built: cross (rewritten) or emulated (as written). */
  built: 'cross' | 'emulated';
  /** Emulated ÷ cross time; absent when nothing was measured for the language. */
  ratio?: number;
  /** Where the ratio (and an estimated time) comes from. */
  source: string;
  /** This leg's measured build time. */
  legMs?: number;
  /** The emulated build: measured when the leg was emulated, estimated otherwise. */
  emulatedMs?: number;
  /** The cross build: measured when the leg was cross, estimated otherwise. */
  crossMs?: number;
  /** `this run`: the other figure is another leg of this run; `measured ratio`: it is this leg's time scaled by `ratio`. */
  basis?: 'this run' | 'measured ratio';
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
  /** What cross-compiling saves (or would save) here, when the file as written compiles under QEMU. */
  savings?: Savings;
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
  /** `index-descriptor:` annotations: on the index's descriptor in an OCI layout's index.json (a registry has no place for them). */
  descriptorAnnotations?: Record<string, string>;
}

export interface Check {
  name: string;
  ok: boolean;
  expected?: string;
  actual?: string;
  detail?: string;
  /** A skipped check neither passes nor fails the platform. */
  skipped?: boolean;
  /** Findings that do not fail the check but deserve a look (e.g. a foreign binary nothing loads). */
  warnings?: string[];
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

/** A platform's SBOM attestation, as the summary and the `platforms` output show it. */
export interface PlatformSbom {
  platform: string;
  /** The attestation manifest that holds it, kept beside the platform in the index. */
  attestation?: string;
  /** Packages its SBOM documents list (SPDX `packages`, CycloneDX `components`). */
  packages?: number;
  /** Why there is no count: no SBOM was made for this leg, or it could not be read. */
  note?: string;
}

/** One `outputs` line and what the run did with it: files only, build only, loaded, written, or not. */
export interface OutputNote {
  output: string;
  note: string;
}

/** Everything the report needs, gathered once at the end of the run (or at the failure). */
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
  /** Every output is the build's files (type=local/tar) and nothing else keeps the image: it was verified, but delivered nowhere. */
  filesOnly?: true;
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
  /** Per platform, when an SBOM was asked for (`sbom`, or a `type=sbom` entry of `attests`). */
  sboms?: PlatformSbom[];
  /** Keyless signing of the verified digests, when this run signs. */
  signing?: Signing;
  /** `verify-signatures`: whether every digest carried a signature for the policy. */
  requiredSignatures?: RequiredSignatures;
  /** GitHub artifact attestations of the verified digests, when `attest` is true. */
  attesting?: Attesting;
  /** The legs' build records, uploaded as build-push-action uploads its own (action only). */
  buildRecord?: BuildRecordReport;
}
