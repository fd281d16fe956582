/**
 * The repository's attestations API: `POST /repos/{owner}/{repo}/attestations` with the bundle,
 * answered with the new attestation's id. This is the request @actions/attest's own (unexported)
 * writeAttestation sends; `gh attestation verify` later fetches bundles by digest from the same
 * API. Needs a token with `attestations: write`.
 * https://docs.github.com/en/rest/repos/attestations#create-an-attestation
 */
import { getOctokit } from '@actions/github';
import { defaults as githubDefaults } from '@actions/github/lib/utils';
import type { SerializedBundle } from '@sigstore/bundle';

export interface AttestationsApi {
  token: string;
  /** GITHUB_API_URL. */
  apiUrl: string;
  /** `owner/repo`. */
  repository: string;
  timeoutMs?: number;
  /** Attempts for a 5xx or a dropped connection. */
  attempts?: number;
}

/** Writes one attestation; returns its id. Throws with the API's status and message. */
export async function writeAttestation(bundle: SerializedBundle, api: AttestationsApi): Promise<string> {
  const [owner, repo] = api.repository.split('/') as [string, string];
  const octokit = getOctokit(api.token, {
    baseUrl: api.apiUrl,
    // Octokit merges options shallowly: keep @actions/github's proxy-aware fetch.
    request: { ...githubDefaults.request, signal: AbortSignal.timeout(api.timeoutMs ?? 60_000) }
  });
  const attempts = api.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await octokit.request('POST /repos/{owner}/{repo}/attestations', { owner, repo, bundle: bundle as unknown as Record<string, unknown> });
      const data = (typeof res.data === 'string' ? JSON.parse(res.data) : res.data) as { id?: unknown };
      if (data?.id === undefined || data.id === null) throw Object.assign(new Error('the API answered without an attestation id'), { status: res.status });
      return String(data.id);
    } catch (err) {
      const status = (err as { status?: number }).status;
      const transient = status === undefined || status >= 500;
      if (!transient || attempt >= attempts) throw new Error(describe(err, api), { cause: err });
      await new Promise((r) => setTimeout(r, 500 * 2 ** (attempt - 1) * (0.5 + Math.random())));
    }
  }
}

function describe(err: unknown, api: AttestationsApi): string {
  const status = (err as { status?: number }).status;
  const where = `POST ${api.apiUrl}/repos/${api.repository}/attestations`;
  const hint = status === 403 || status === 404 ? ' (expected a github-token with "permissions: attestations: write" for this repository)' : '';
  return `${where}: ${status ? `HTTP ${status} ` : ''}${(err as Error).message}${hint}`;
}
