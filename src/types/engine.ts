/**
 * The Docker engine and the builder a run used. The summary names them, and they decide how a
 * leg hands its image back.
 */

/** Docker's image store: the containerd snapshotter, or the classic graph driver (overlay2). */
export type ImageStore = 'containerd' | 'classic';

/**
 * How a leg's image comes back to the action: `oci`, an OCI layout export (every driver but
 * `docker` on the classic store); `docker-load`, loaded into the engine under a temporary name
 * and read back with `docker image save` (the docker driver on the classic store refuses the
 * OCI exporter: "OCI exporter is not supported for the docker driver").
 */
export type LegExport = 'oci' | 'docker-load';

/** What `docker info` says about the engine; a fact that cannot be read is left out. */
export interface EngineFacts {
  dockerVersion?: string;
  store?: ImageStore;
  /** overlay2, vfs, … (classic), or the snapshotter's name (containerd store). */
  storageDriver?: string;
  buildxVersion?: string;
  /** `qemu-aarch64 version 7.2.…` of the handler the kernel runs, when one is registered. */
  qemuVersion?: string;
}

/** The builder the legs ran on, and what it cannot do. */
export interface BuilderFacts {
  name: string;
  driver: string;
  /** This run created it (post removes it). */
  created: boolean;
  legExport: LegExport;
  /** BuildKit version of the builder's first node, when buildx reports one. */
  buildkitVersion?: string;
  /** The BuildKit image a created docker-container builder runs. */
  image?: string;
  /** Why this builder and not the first choice (e.g. the docker-container builder could not start). */
  fallback?: string;
  /** What this builder cannot do for the run, in the user's terms (e.g. "attestations"). */
  lost: string[];
}
