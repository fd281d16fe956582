/**
 * What an artifact attestation signs: an in-toto Statement v1 whose subjects are the image
 * digest under each repository name it was pushed to, and whose predicate is SLSA v1 build
 * provenance of GitHub's workflow build type, filled from the run's OIDC claims exactly as
 * @actions/attest's buildSLSAProvenancePredicate fills it. That helper cannot be called here: it
 * verifies the token against the issuer's keys over the network, which a private issuer or the
 * tests' stand-in cannot serve (and the tests may not reach GitHub). Pure.
 * https://slsa.dev/spec/v1.0/provenance
 * https://github.com/slsa-framework/github-actions-buildtypes/tree/main/workflow/v1
 */
import type { Predicate, Subject } from '@actions/attest';
import { digestAlgorithm, digestHex } from '../registry/digest.js';
import { IN_TOTO_STATEMENT_V1 } from '../types/sign.js';

export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const GITHUB_WORKFLOW_BUILD_TYPE = 'https://actions.github.io/buildtypes/workflow/v1';

/** Claims the predicate is made of; a GitHub Actions ID token carries them all. */
const REQUIRED_CLAIMS = ['ref', 'sha', 'repository', 'event_name', 'job_workflow_ref', 'workflow_ref', 'repository_id', 'repository_owner_id', 'runner_environment', 'run_id', 'run_attempt'] as const;

/**
 * The subject name `gh attestation verify oci://IMAGE` gives an image: its repository, fully
 * qualified, without tag or digest (go-containerregistry's `Context().Name()`), which spells
 * Docker Hub `index.docker.io`.
 */
export function subjectName(registry: string, repository: string): string {
  const host = ['docker.io', 'registry-1.docker.io', 'index.docker.io'].includes(registry) ? 'index.docker.io' : registry;
  return `${host}/${repository}`;
}

/** One subject per repository name the digest was pushed under, each with that digest. */
export function subjectsFor(names: string[], digest: string): Subject[] {
  return [...new Set(names)].map((name) => ({ name, digest: { [digestAlgorithm(digest)]: digestHex(digest) } }));
}

/** SLSA v1 provenance for the workflow run the claims describe. Throws naming any missing claim. */
export function provenancePredicate(claims: Record<string, unknown>, serverUrl: string): Predicate {
  const missing = REQUIRED_CLAIMS.filter((c) => claims[c] === undefined);
  if (missing.length) throw new Error(`the ID token lacks the claims ${missing.join(', ')}, which provenance is made of`);
  const c = (name: (typeof REQUIRED_CLAIMS)[number]) => String(claims[name]);
  const server = serverUrl.replace(/\/+$/, '');
  // owner/repo/.github/workflows/main.yml@refs/heads/main → .github/workflows/main.yml
  const workflowPath = c('workflow_ref').replace(`${c('repository')}/`, '').split('@')[0];
  return {
    type: SLSA_PROVENANCE_V1,
    params: {
      buildDefinition: {
        buildType: GITHUB_WORKFLOW_BUILD_TYPE,
        externalParameters: { workflow: { ref: c('ref'), repository: `${server}/${c('repository')}`, path: workflowPath } },
        internalParameters: {
          github: { event_name: c('event_name'), repository_id: c('repository_id'), repository_owner_id: c('repository_owner_id'), runner_environment: c('runner_environment') }
        },
        resolvedDependencies: [{ uri: `git+${server}/${c('repository')}@${c('ref')}`, digest: { gitCommit: c('sha') } }]
      },
      runDetails: {
        builder: { id: `${server}/${c('job_workflow_ref')}` },
        metadata: { invocationId: `${server}/${c('repository')}/actions/runs/${c('run_id')}/attempts/${c('run_attempt')}` }
      }
    }
  };
}

/** The statement's bytes, as signed (the DSSE payload). */
export function provenanceStatement(subjects: Subject[], predicate: Predicate): Buffer {
  return Buffer.from(JSON.stringify({ _type: IN_TOTO_STATEMENT_V1, subject: subjects, predicateType: predicate.type, predicate: predicate.params }));
}
