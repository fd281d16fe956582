import type { AttestConfig } from './attest.js';
import type { IdentityPolicy, SignConfig } from './sign.js';

/** The validated configuration. Built once from action inputs or CLI argv; every later stage trusts it. */

export type SecretSpec =
  | { id: string; kind: 'value'; value: string }
  | { id: string; kind: 'file'; path: string }
  | { id: string; kind: 'env'; env: string };

export type Mode = 'all' | 'plan' | 'leg' | 'merge';

/** A native BuildKit node to append to the builder (the `nodes` input). */
export interface NodeSpec {
  name: string;
  endpoint?: string;
  platforms: string[];
  driver: string;
  driverOpts: string[];
}

export type QemuMode = 'auto' | 'always' | 'never';
export type DriverMode = 'auto' | 'docker' | 'docker-container';
export type VerifyMode = 'strict' | 'warn' | 'off';
/** BPA's `call` input: buildx `--call` methods; anything but `build` evaluates the build without building. */
export type CallMethod = 'build' | 'check' | 'outline' | 'targets';
/** `strict`: rewrite as `auto` does, but a failed rewritten leg fails the run instead of falling back. */
export type CrossCompileMode = 'auto' | 'strict' | 'off';

/**
 * A Git repository as the build context, fetched by stages/git-context.ts before planning, which
 * then points `context` and `file` at the fetched copy: the run's commit (BPA's
 * `{{defaultContext}}`, used when the workflow has no checkout), or a Git URL given as `context`.
 */
export interface GitContext {
  /** Where it came from: the run's commit, or a Git URL in the `context` input. */
  source: 'run' | 'url';
  /** The repository URL git fetches; never with credentials (they go in a header). */
  url: string;
  /** `owner/name`, for the log, errors and the image name. */
  repository: string;
  /** The commit (the run's), or a URL's branch, tag or commit; '' for the remote's default branch. */
  ref: string;
  /** The context's directory inside the commit (`{{defaultContext}}:subdir`, `#ref:subdir`); '' for its root. */
  subdir: string;
  /** A relative `file` input: the Dockerfile's path inside the context. Unset: `Dockerfile`, or an absolute `file`. */
  file?: string;
  /** How the fetch authenticates: the github-token (the run's server only), the URL's own user:password, or not at all. */
  auth: 'github-token' | 'url' | 'none';
  /** The URL's user:password (auth `url`), registered as secrets when read. */
  credentials?: { username: string; password: string };
}

/**
 * One line of the `outputs` input (a buildx `--output`), resolved by config/outputs.ts. Paths are
 * absolute and already checked by the deletion guard (build/out-dir.ts).
 */
export type OutputExport =
  /** `type=image` or `type=registry`: `names` are tags; `push` sends them to the registry. */
  | { type: 'image'; names: string[]; push: boolean; byDigest?: true }
  /** The merged OCI layout: a directory (`tar: false`, the outDir) or a tar archive at `dest`. */
  | { type: 'oci'; dest: string; tar: boolean; names: string[] }
  /** Into the Docker image store under `names`; with `dest`, a tarball written there instead. */
  | { type: 'docker'; names: string[]; dest?: string }
  /** The build's files, not an image: one directory per platform (`linux_arm64/…`), or a tar of them. */
  | { type: 'local' | 'tar'; dest: string }
  /** Build only; the cache exports are the result. */
  | { type: 'cacheonly' };

export interface Config {
  /** Absolute path of the build context; with `gitContext`, `<url>#<sha>[:subdir]` until the fetch. */
  context: string;
  /** Absolute path of the Dockerfile; with `gitContext` (and no absolute file), its path inside the commit until the fetch. */
  file: string;
  /** Set when the build context is the run's commit, fetched before planning. */
  gitContext?: GitContext;
  /** Normalised platform strings, deduplicated, in the order given. */
  platforms: string[];
  tags: string[];
  labels: string[];
  annotations: string[];
  buildArgs: string[];
  buildContexts: string[];
  /** Build secrets; `value` secrets are masked and written to a private temp file for --secret. */
  secrets: SecretSpec[];
  ssh: string[];
  target?: string;
  push: boolean;
  load: boolean;
  /** Extra user outputs; when empty the action chooses (push by digest, or an OCI layout on disk). */
  outputs: string[];
  /** `outputs`, resolved; `push` and `tags` already include what the image outputs ask for. */
  exports: OutputExport[];
  /**
   * The merged layout at outDir is a deliverable: no outputs were given (the default
   * multiarch-out), or one is `type=oci,dest=DIR`. Otherwise a layout, when one is needed, is scratch.
   */
  keepLayout: boolean;
  cacheFrom: string[];
  cacheTo: string[];
  noCache: boolean;
  noCacheFilters: string[];
  pull: boolean;
  network?: string;
  addHosts: string[];
  shmSize?: string;
  ulimit: string[];
  provenance?: string;
  /** provenance is the action's default (a GitHub run, no input): a docker-load leg drops it without a warning. */
  provenanceIsDefault?: true;
  sbom?: string;
  attests: string[];
  allow: string[];
  builder?: string;
  githubToken?: string;

  qemu: QemuMode;
  qemuImage: string;
  /** BuildKit image of a docker-container builder the run creates; pinned. */
  buildkitImage: string;
  driver: DriverMode;
  verify: VerifyMode;
  /**
   * `verify` was given (even as `strict`, its default). Unset, a build that delivers nothing (no
   * push, load, tags or image outputs: a check-only or cache-only build) reports failed checks without
   * failing the step.
   */
  verifyExplicit?: true;
  /** BPA's `call`: `build` (also when absent) or a buildx subrequest; then no image is built. */
  call?: CallMethod;
  /** `--cgroup-parent` for RUN instructions, passed to every leg. */
  cgroupParent?: string;
  /** Check warnings become annotations on their Dockerfile line (BPA's DOCKER_BUILD_CHECKS_ANNOTATIONS); absent means true. */
  checkAnnotations?: boolean;
  summary: boolean;
  mode: Mode;
  /** platform → runner (a label, or a JSON array of labels), for the plan mode's matrix. */
  runners: Record<string, string>;
  /** Runner for platforms with no entry in `runners` (a label, or a JSON array of labels). */
  defaultRunner: string;
  nodes: NodeSpec[];
  cacheScopePrefix: string;
  /** Raw cache-mounts entries; parsed by the cache-mount module. */
  cacheMounts: string[];
  /**
   * Binary checks: `all` reads every layer and judges every ELF file, `entrypoint` follows the
   * program and its libraries only, `off` checks no binaries.
   */
  verifyBinaries: 'all' | 'entrypoint' | 'off';
  /** Globs of image paths the binary checks leave alone (validated). */
  verifyIgnore: string[];
  /** Smoke test per platform, when the `smoke-test` input is set. */
  smoke?: { args: string[]; expect?: RegExp; timeoutSeconds: number };
  crossCompile: CrossCompileMode;
  /** Keyless signing of the verified digests; absent (never signs) in configs built by hand. */
  sign?: SignConfig;
  /** An image output has `push-by-digest=true`: the image is pushed by digest to the tags' repositories, and no tag moves. */
  pushByDigest?: true;
  /** `verify-signatures`: whose signatures every digest must carry before tags move; absent when off. */
  verifySignatures?: IdentityPolicy;
  /** GitHub artifact attestations of the verified digests (`attest: true`); absent when off. */
  attest?: AttestConfig;
  /** Where the merged OCI layout goes when not pushing. */
  outDir: string;
  /** Image name used for cache scopes and the report (first tag's repository, or the context's name). */
  imageName: string;
  /** Scratch space for legs (RUNNER_TEMP on a runner). */
  tempDir: string;
}
