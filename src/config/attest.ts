/**
 * The attest inputs: `attest` and `attest-push-to-registry` (actions/attest-build-provenance's
 * `push-to-registry`). An attestation is signed with the signing inputs' Sigstore instance and
 * written with `github-token` to the repository the run belongs to, so `attest: true` needs all
 * of that up front: one clear error here, not a failure after the build.
 */
import { InputError } from '../input-error.js';
import { parseBool } from '../inputs.js';
import type { RunFacts } from '../provenance.js';
import type { AttestConfig } from '../types/attest.js';
import type { VerifyMode } from '../types/config.js';
import { PUBLIC_GOOD, type IdTokenRequest, type SigstoreEndpoints } from '../types/sign.js';

export interface AttestInputs {
  attest: string;
  pushToRegistry: string;
}

export interface AttestFacts {
  push: boolean;
  verify: VerifyMode;
  githubToken?: string;
  idToken?: IdTokenRequest;
  /** The Sigstore instance of the `sigstore-*` inputs. */
  endpoints: SigstoreEndpoints;
  run?: RunFacts;
  onWarning: (message: string) => void;
}

export function resolveAttest(inputs: AttestInputs, facts: AttestFacts): AttestConfig | undefined {
  const attest = bool('attest', inputs.attest) ?? false;
  const pushToRegistry = bool('attest-push-to-registry', inputs.pushToRegistry) ?? false;
  if (!attest) {
    if (pushToRegistry) facts.onWarning('attest-push-to-registry is true but attest is not: nothing is attested, so nothing is pushed (set attest: true).');
    return undefined;
  }
  if (!facts.push) throw new InputError('attest', 'is true but push is not (expected push: true: an attestation is about an image digest in a registry)');
  if (facts.verify === 'off') throw new InputError('attest', 'is true but verify is off (expected verify: strict or warn: multiarch attests only digests it has verified)');
  if (!facts.idToken) throw new InputError('attest', 'is true but the job cannot request an ID token (expected "permissions: id-token: write" on the job)');
  if (!facts.githubToken) throw new InputError('attest', 'is true but github-token is empty (expected a token with "permissions: attestations: write", e.g. the default github.token)');
  const repository = facts.run?.repository;
  if (!repository || !/^[^/\s]+\/[^/\s]+$/.test(repository)) throw new InputError('attest', 'is true but GITHUB_REPOSITORY is not set (expected a GitHub Actions run: attestations are written to its repository)');
  const serverUrl = (facts.run?.serverUrl || 'https://github.com').replace(/\/+$/, '');
  return {
    pushToRegistry,
    repository,
    apiUrl: (facts.run?.apiUrl || 'https://api.github.com').replace(/\/+$/, ''),
    serverUrl,
    endpoints: resolveAttestEndpoints(facts.endpoints, { serverUrl, ...(facts.run?.isPrivate !== undefined ? { isPrivate: facts.run.isPrivate } : {}) })
  };
}

/**
 * The instance attestations are signed with. The `sigstore-*` inputs, as given; but a repository
 * not known to be public that left them on the public-good defaults gets GitHub's own Fulcio and
 * timestamp authority (no transparency log), as @actions/attest chooses for it: public Rekor would
 * publish the private repository's and workflow's names. Pure.
 */
export function resolveAttestEndpoints(endpoints: SigstoreEndpoints, run: { serverUrl: string; isPrivate?: boolean }): SigstoreEndpoints {
  const publicGood = endpoints.fulcioURL === PUBLIC_GOOD.fulcioURL && endpoints.rekorURL === PUBLIC_GOOD.rekorURL && !endpoints.tsaURL && !endpoints.trustedRootPath;
  if (!publicGood || run.isPrivate === false) return endpoints;
  let host = new URL(run.serverUrl).hostname;
  if (host === 'github.com') host = 'githubapp.com';
  return { fulcioURL: `https://fulcio.${host}`, tsaURL: `https://timestamp.${host}` };
}

function bool(name: string, text: string): boolean | undefined {
  try {
    return parseBool(text);
  } catch {
    throw new InputError(name, `"${text}" is not allowed (expected true or false)`);
  }
}
