/**
 * Provenance by default, as build-push-action gives it: on a GitHub run with no `provenance`
 * input and no provenance entry in `attests`, each leg gets a provenance attestation whose
 * builder id is the run's URL; `mode=max` for a public repository, `mode=min` for a private one
 * (min keeps build arguments and the like out of an image others may pull). BPA asks buildx for
 * `mode=min,inline-only=true` there, which its image exporter pushes; `inline-only` would leave
 * the provenance off our legs' OCI layouts, so the pushed image would have none. The cost: a
 * `type=local`/`type=tar` output of a private build also gets a provenance.json (BPA's does not).
 * A given `provenance` keeps its value and gains the builder id. Pure: the run's facts come from
 * the caller (the action's environment and event payload).
 */

/** What the runner says about the run; all absent outside GitHub Actions (the CLI). */
export interface RunFacts {
  serverUrl?: string;
  /** GITHUB_API_URL, where the attestations API is. */
  apiUrl?: string;
  repository?: string;
  runId?: string;
  runAttempt?: string;
  /** `repository.private` of the event payload; undefined when the payload does not say. */
  isPrivate?: boolean;
  /** BUILDX_NO_DEFAULT_ATTESTATIONS is set: buildx's own switch, honoured here too. */
  noDefaultAttestations?: boolean;
}

/** `<server>/<owner>/<repo>/actions/runs/<id>/attempts/<n>`, the builder id BPA records. */
export function resolveBuilderId(run: RunFacts): string | undefined {
  if (!run.serverUrl || !run.repository || !run.runId) return undefined;
  return `${run.serverUrl.replace(/\/+$/, '')}/${run.repository}/actions/runs/${run.runId}/attempts/${run.runAttempt || '1'}`;
}

/** The `--provenance` value for every leg; undefined leaves buildx's own default. */
export function resolveProvenance(input: string | undefined, attests: string[], run: RunFacts = {}): string | undefined {
  const builderId = resolveBuilderId(run);
  if (input !== undefined) {
    if (input === 'false' || !builderId) return input;
    if (/(^|,)\s*builder-id=/.test(input)) return input;
    return input === 'true' ? `builder-id=${builderId}` : `${input},builder-id=${builderId}`;
  }
  if (attests.some((a) => /(^|,)\s*type=provenance(,|$)/.test(a))) return undefined;
  if (run.noDefaultAttestations || !builderId) return undefined;
  // A payload that does not say is treated as private: min tells the least.
  return run.isPrivate === false ? `mode=max,builder-id=${builderId}` : `mode=min,builder-id=${builderId}`;
}
