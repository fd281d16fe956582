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
/** `strict`: rewrite as `auto` does, but a failed rewritten leg fails the run instead of falling back. */
export type CrossCompileMode = 'auto' | 'strict' | 'off';

export interface Config {
  context: string;
  /** Absolute path of the Dockerfile. */
  file: string;
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
  /** Smoke test per platform, when the `smoke-test` input is set. */
  smoke?: { args: string[]; expect?: RegExp; timeoutSeconds: number };
  crossCompile: CrossCompileMode;
  /** Where the merged OCI layout goes when not pushing. */
  outDir: string;
  /** Image name used for cache scopes and the report (first tag's repository, or the context's name). */
  imageName: string;
  /** Scratch space for legs (RUNNER_TEMP on a runner). */
  tempDir: string;
}
