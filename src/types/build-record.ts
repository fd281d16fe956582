/**
 * The build record artifact of a step: the `.dockerbuild` bundle build-push-action uploads for
 * Docker Desktop's Builds view, here holding the record of every leg the step built.
 */
export interface BuildRecordArtifact {
  /** build-push-action's name: `<owner>~<repo>~<first build id, 6 characters>[+<more>].dockerbuild`. */
  name: string;
  /** The artifact on the workflow run's page. */
  url: string;
  size: number;
  /** The platforms whose builds it holds. */
  platforms: string[];
}

/** What the summary says about build records: the artifact, or why there is none when one was expected. */
export type BuildRecordReport = { artifact: BuildRecordArtifact } | { note: string };
