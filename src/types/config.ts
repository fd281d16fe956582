/** The validated configuration. Built once from action inputs or CLI argv; every later stage trusts it. */

export type QemuMode = 'auto' | 'always' | 'never';
export type DriverMode = 'auto' | 'docker' | 'docker-container';
export type VerifyMode = 'strict' | 'warn' | 'off';
export type CrossCompileMode = 'auto' | 'off';

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
  /** Secret specs for --secret (id=…,src=… / id=…,env=…); values are masked when read. */
  secrets: string[];
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
  sbom?: string;
  attests: string[];
  allow: string[];
  builder?: string;
  githubToken?: string;

  qemu: QemuMode;
  qemuImage: string;
  driver: DriverMode;
  verify: VerifyMode;
  summary: boolean;
  crossCompile: CrossCompileMode;
  /** Where the merged OCI layout goes when not pushing. */
  outDir: string;
  /** Scratch space for legs (RUNNER_TEMP on a runner). */
  tempDir: string;
}
