/**
 * The signing inputs: `sign` and the Sigstore instance (`sigstore-*`). The public-good instance
 * by default; a private one, or the tests' stand-in, by URL. The ID token goes to Fulcio, so its
 * URL must be https (plain http only on loopback, where nothing crosses a network).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../input-error.js';
import { escapeRegExp } from '../sign/commands.js';
import type { IdTokenRequest, IdentityPolicy, SignConfig, SignMode } from '../types/sign.js';
import type { VerifyMode } from '../types/config.js';

export interface SignInputs {
  sign: string;
  fulcio: string;
  rekor: string;
  tsa: string;
  trustedRoot: string;
}

export interface SignFacts {
  push: boolean;
  verify: VerifyMode;
  /** A relative trusted-root path is taken from here. */
  workspace: string;
  /** The runner's ID-token endpoint, when the job may ask for one. */
  idToken?: IdTokenRequest;
  onSecret: (value: string) => void;
  /** The event payload's `repository.private`; undefined when it does not say. */
  isPrivate?: boolean;
}

/** The public-good instance: Fulcio logs every certificate in a public CT log, Rekor every entry. */
const PUBLIC_GOOD = ['https://fulcio.sigstore.dev', 'https://rekor.sigstore.dev'];

/** Value of `sigstore-rekor-url` that turns the transparency log off (a TSA must then be set). */
export const REKOR_OFF = 'off';

export function resolveSign(inputs: SignInputs, facts: SignFacts): SignConfig {
  if (!['auto', 'true', 'false'].includes(inputs.sign)) throw new InputError('sign', `"${inputs.sign}" is not allowed (expected one of: auto, true, false)`);
  const mode = inputs.sign as SignMode;
  // Registered at once: the request token must never reach a log, whatever happens next.
  if (facts.idToken) facts.onSecret(facts.idToken.token);
  const fulcioURL = serviceUrl('sigstore-fulcio-url', inputs.fulcio);
  const rekorURL = inputs.rekor === REKOR_OFF ? undefined : serviceUrl('sigstore-rekor-url', inputs.rekor);
  const tsaURL = inputs.tsa ? serviceUrl('sigstore-tsa-url', inputs.tsa) : undefined;
  if (!rekorURL && !tsaURL) throw new InputError('sigstore-rekor-url', `is "${REKOR_OFF}" but sigstore-tsa-url is empty (expected a transparency log, a timestamp authority, or both: a signing certificate lives minutes, and only they show the signature was made inside them)`);
  const trustedRootPath = inputs.trustedRoot ? trustedRoot(path.resolve(facts.workspace, inputs.trustedRoot)) : undefined;
  if (mode === 'true') {
    if (!facts.push) throw new InputError('sign', 'is true but push is not (expected push: true: signatures are stored in the registry beside the image)');
    if (facts.verify === 'off') throw new InputError('sign', 'is true but verify is off (expected verify: strict or warn: multiarch signs only digests it has verified)');
    if (!facts.idToken) throw new InputError('sign', 'is true but the job cannot request an ID token (expected "permissions: id-token: write" on the job, which sets ACTIONS_ID_TOKEN_REQUEST_URL)');
  }
  // A keyless certificate names the repository and workflow; a public log keeps them forever.
  const publishes = PUBLIC_GOOD.includes(fulcioURL) || (rekorURL !== undefined && PUBLIC_GOOD.includes(rekorURL));
  const withheld =
    mode === 'auto' && publishes && facts.isPrivate !== false
      ? `sign: auto, and this repository is ${facts.isPrivate ? 'private' : 'not known to be public'}: the public-good Sigstore instance would publish its name and workflow in its public logs (Fulcio's certificate log, Rekor). Not signing; set sign: true to sign there anyway, or point sigstore-fulcio-url and sigstore-rekor-url/sigstore-tsa-url at a private Sigstore instance`
      : undefined;
  return {
    mode,
    ...(withheld ? { withheld } : {}),
    endpoints: { fulcioURL, ...(rekorURL ? { rekorURL } : {}), ...(tsaURL ? { tsaURL } : {}), ...(trustedRootPath ? { trustedRootPath } : {}) },
    ...(facts.idToken ? { idToken: facts.idToken } : {})
  };
}

function serviceUrl(input: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(input, `"${text}" is not a URL (expected https://host[:port][/path])`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || /^127\./.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new InputError(input, `"${text}" is not https (expected https://…; plain http only on loopback, since the ID token travels with the request)`);
  }
  if (url.username || url.password || url.search || url.hash) throw new InputError(input, `"${text}" has credentials, a query or a fragment (expected a plain base URL)`);
  return url.toString().replace(/\/$/, '');
}

function trustedRoot(file: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InputError('sigstore-trusted-root', `cannot read ${file} as JSON (${(err as Error).message}); expected a Sigstore trusted_root.json`);
  }
  const d = doc as { mediaType?: unknown; certificateAuthorities?: unknown };
  if (typeof d?.mediaType !== 'string' || !d.mediaType.includes('trustedroot') || !Array.isArray(d.certificateAuthorities)) {
    throw new InputError('sigstore-trusted-root', `${file} is not a Sigstore trusted root (expected a trusted_root.json with mediaType application/vnd.dev.sigstore.trustedroot… and certificateAuthorities)`);
  }
  return file;
}

/**
 * `verify-signatures`: off (`false`), this repository's workflows (`true`), or an identity
 * regular expression. The issuer must be an https URL, as certificates carry it.
 */
export function resolveSignaturePolicy(value: string, issuer: string, facts: { push: boolean; serverUrl?: string; repository?: string }): IdentityPolicy | undefined {
  if (value === '' || value === 'false') return undefined;
  if (!facts.push) throw new InputError('verify-signatures', 'is set but push is not (expected push: true: signatures are read from the registry the image is pushed to)');
  if (!/^https:\/\/[^\s/]+/.test(issuer)) throw new InputError('verify-signatures-issuer', `"${issuer}" is not an https URL (expected the OIDC issuer the certificates name, e.g. https://token.actions.githubusercontent.com)`);
  if (value === 'true') {
    if (!facts.repository) throw new InputError('verify-signatures', 'is true but GITHUB_REPOSITORY is not set (expected a certificate identity regular expression outside GitHub Actions, e.g. ^https://github\\.com/acme/)');
    const server = (facts.serverUrl || 'https://github.com').replace(/\/+$/, '');
    return { identityRegexp: `^${escapeRegExp(`${server}/${facts.repository}/`)}`, issuer };
  }
  try {
    new RegExp(value);
  } catch (err) {
    throw new InputError('verify-signatures', `"${value}" is not a regular expression (${(err as Error).message}); expected false, true or a certificate identity regular expression`);
  }
  return { identityRegexp: value, issuer };
}
