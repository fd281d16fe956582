/**
 * Keyless signing: where the Sigstore services are, what a signature is stored as, and what the
 * run reports about it. Shared by the signer, the registry's referrer code, the sign stage, the
 * report and the CLI's `verify --signatures`, so it sits below all of them.
 */

/**
 * The Sigstore instance to sign with. The public-good instance by default; a private one (or the
 * tests' stand-in) by the `sigstore-*` inputs.
 */
export interface SigstoreEndpoints {
  /** Fulcio CA that issues the short-lived signing certificate for the OIDC identity. */
  fulcioURL: string;
  /** Rekor transparency log; the signature is logged there when set. */
  rekorURL?: string;
  /** RFC 3161 timestamp authority; the signature is timestamped there when set. */
  tsaURL?: string;
  /** trusted_root.json to verify against; absent means the public-good root from Sigstore's TUF repository. */
  trustedRootPath?: string;
}

export const PUBLIC_GOOD: Readonly<Required<Pick<SigstoreEndpoints, 'fulcioURL' | 'rekorURL'>>> = {
  fulcioURL: 'https://fulcio.sigstore.dev',
  rekorURL: 'https://rekor.sigstore.dev'
};

/** The OIDC issuer of GitHub Actions ID tokens (the certificate's issuer extension). */
export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

/** Media types and annotations of a signature as cosign v3 stores it (README "Supply chain"). */
export const SigstoreMediaType = {
  /** A Sigstore bundle v0.3: the referrer's artifactType and its one layer's mediaType. */
  BundleV03: 'application/vnd.dev.sigstore.bundle.v0.3+json',
  /** DSSE payload type of the signed statement. */
  InTotoPayload: 'application/vnd.in-toto+json'
} as const;

/** in-toto Statement v1 type, and the predicate type cosign v3 gives an image signature. */
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

/** Referrer manifest annotations cosign writes and reads (`cosign tree` groups by the predicate type). */
export const BundleAnnotation = {
  Content: 'dev.sigstore.bundle.content',
  PredicateType: 'dev.sigstore.bundle.predicateType',
  Created: 'org.opencontainers.image.created'
} as const;

/** Where a referrer was recorded: the registry's referrers API, or the `sha256-<hex>` tag index. */
export type ReferrerVia = 'referrers-api' | 'tag-schema';

/** One signed digest and the referrer manifest that carries its bundle. */
export interface SignedEntry {
  /** The signed manifest or index digest (the referrer's subject). */
  digest: string;
  /** Digest of the referrer manifest holding the bundle. */
  referrer: string;
  via: ReferrerVia;
  /** `linux/arm64`, or undefined for the index. */
  platform?: string;
  /** Transparency log index, when Rekor logged it. */
  tlogIndex?: string;
  /** True when a TSA timestamped it. */
  timestamped?: boolean;
}

/** `sign` input: `auto` signs when pushing from a GitHub run that can get an ID token. */
export type SignMode = 'auto' | 'true' | 'false';

/** Where and how to ask for an ID token: the runner's endpoint and the bearer for it (a secret). */
export interface IdTokenRequest {
  url: string;
  token: string;
}

/** The signing part of Config. */
export interface SignConfig {
  mode: SignMode;
  endpoints: SigstoreEndpoints;
  /** The runner's ID-token endpoint, when the job has `id-token: write`; its token is registered as a secret. */
  idToken?: IdTokenRequest;
  /** Why `auto` does not sign this run although it could (a private repository and a public instance). */
  withheld?: string;
}

/** Who a signature must come from: an exact identity or a pattern, and the OIDC issuer. */
export interface IdentityPolicy {
  /** Exact certificate SAN, e.g. `https://github.com/o/r/.github/workflows/ci.yml@refs/heads/main`. */
  identity?: string;
  /** Pattern the SAN must match (anchor it yourself, as cosign's flag does not). */
  identityRegexp?: string;
  /** Certificate OIDC issuer extension; GitHub Actions' by default. */
  issuer: string;
}

/** What the sign stage did, for the report and the outputs. */
export interface Signing {
  /** Signing was asked for (`sign: true`) or auto found an ID token: a failure then counts. */
  required: boolean;
  /** True when every digest was signed and its referrer stored. */
  ok: boolean;
  entries: SignedEntry[];
  /** Why nothing was signed (auto without a token, failed verification, no push). */
  skipped?: string;
  /** The failure, redacted like every other report field. */
  error?: string;
  /** The certificate's SAN: the workflow identity the signatures carry. */
  identity?: string;
  /** `cosign verify …` lines for the tags just pushed. */
  verifyCommands: string[];
}

/** Result of checking one digest's signatures (CLI `verify --signatures`). */
export interface SignatureCheck {
  digest: string;
  platform?: string;
  ok: boolean;
  /** Referrer manifests holding a bundle that verified for the policy. */
  verified: string[];
  /** Why each other bundle was rejected, or that none was found. */
  problems: string[];
  via?: ReferrerVia;
}

/** `verify-signatures`: each digest checked in each repository for the policy, before tags move. */
export interface RequiredSignatures {
  policy: IdentityPolicy;
  /** True when every digest carries a verifying signature in every repository. */
  ok: boolean;
  /** One per digest and repository (`registry/repo`). */
  checks: Array<SignatureCheck & { repository: string }>;
  /** Why nothing was checked (verification failed: no tag moves anyway). */
  skipped?: string;
  /** The check itself could not run (registry or trusted root unreachable), redacted like every report field. */
  error?: string;
}

/** "identity ~ ^https://github\.com/o/r/ (issuer https://…)": the policy in one phrase. */
export function describePolicy(p: IdentityPolicy): string {
  return `${p.identity ? `identity ${p.identity}` : `identity ~ ${p.identityRegexp ?? ''}`} (issuer ${p.issuer})`;
}
