/**
 * GitHub artifact attestations (`attest: true`): SLSA build provenance for each verified digest,
 * signed keylessly, written to the repository's attestations API (where `gh attestation verify`
 * looks) and, with `attest-push-to-registry`, stored beside the image as an OCI referrer.
 */
import type { ReferrerVia, SigstoreEndpoints } from './sign.js';

/** The attest part of Config; absent when `attest` is false. */
export interface AttestConfig {
  /** Also store each attestation's bundle in the registry as a referrer of its digest. */
  pushToRegistry: boolean;
  /** `owner/repo` whose attestations API is written (GITHUB_REPOSITORY). */
  repository: string;
  /** GITHUB_API_URL, e.g. https://api.github.com. */
  apiUrl: string;
  /** GITHUB_SERVER_URL, for the predicate's URLs and the attestation's page. */
  serverUrl: string;
  /**
   * The Sigstore instance attestations are signed with: the `sigstore-*` inputs, except that a
   * repository not known to be public, left on the public-good defaults, uses GitHub's own
   * instance (as @actions/attest does), so a private repository's names never reach public Rekor.
   */
  endpoints: SigstoreEndpoints;
}

/** One attested digest. */
export interface AttestedEntry {
  digest: string;
  /** `linux/arm64`, or undefined for the index. */
  platform?: string;
  /** The attestation's id in the repository's attestations API. */
  id?: string;
  /** Its page: `<server>/<owner>/<repo>/attestations/<id>`. */
  url?: string;
  /** The referrer manifest holding the bundle, with `attest-push-to-registry`. */
  referrer?: string;
  via?: ReferrerVia;
  tlogIndex?: string;
}

/** What the attest stage did, for the report and the outputs. */
export interface Attesting {
  ok: boolean;
  entries: AttestedEntry[];
  /** Why nothing was attested (failed verification, verify off). */
  skipped?: string;
  error?: string;
  /** The certificate's SAN: the workflow identity. */
  identity?: string;
  /** `gh attestation verify oci://… -R owner/repo` lines for the tags just pushed. */
  verifyCommands: string[];
}
