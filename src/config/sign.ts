/**
 * The signing inputs: `sign` and the Sigstore instance (`sigstore-*`). The public-good instance
 * by default; a private one, or the tests' stand-in, by URL. The ID token goes to Fulcio, so its
 * URL must be https (plain http only on loopback, where nothing crosses a network).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../input-error.js';
import type { IdTokenRequest, SignConfig, SignMode } from '../types/sign.js';
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
}

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
  return {
    mode,
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
