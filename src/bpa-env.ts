/**
 * build-push-action's environment switches (DOCKER_BUILD_*), read as BPA reads them: Go-style
 * booleans (actions-toolkit's Util.parseBool), on by default. A value that is not a boolean fails
 * BPA's step; here it warns and keeps the default, since none of them changes what is built.
 */

export interface BuildEnvSwitches {
  /** DOCKER_BUILD_SUMMARY: write the job summary. */
  summary: boolean;
  /** DOCKER_BUILD_CHECKS_ANNOTATIONS: Dockerfile check warnings as annotations on their lines. */
  checkAnnotations: boolean;
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Pure: the switches from an environment, with a warning per malformed value. */
export function resolveBuildEnvSwitches(env: Record<string, string | undefined>, warn: (message: string) => void): BuildEnvSwitches {
  const flag = (name: string, what: string): boolean => {
    const value = env[name]?.trim();
    if (!value) return true;
    if (TRUE.has(value)) return true;
    if (FALSE.has(value)) return false;
    warn(`${name}="${value}" is not a boolean (expected true or false, as build-push-action reads it); ${what} stays on.`);
    return true;
  };
  return { summary: flag('DOCKER_BUILD_SUMMARY', 'the summary'), checkAnnotations: flag('DOCKER_BUILD_CHECKS_ANNOTATIONS', 'check annotations') };
}

/**
 * BPA uploads each build's record (`.dockerbuild`, for Docker Desktop's Builds view) as an
 * artifact, governed by DOCKER_BUILD_RECORD_UPLOAD and DOCKER_BUILD_RECORD_RETENTION_DAYS.
 * multiarch does not; the log says so once when a workflow sets either variable (it expects the
 * record), and stays quiet otherwise: a note on every run would be noise.
 */
export function describeRecordUpload(env: Record<string, string | undefined>): string | undefined {
  const upload = env.DOCKER_BUILD_RECORD_UPLOAD?.trim();
  if (!upload && !env.DOCKER_BUILD_RECORD_RETENTION_DAYS?.trim()) return undefined;
  if (FALSE.has(upload ?? '')) return undefined;
  return (
    'Build records are not uploaded (build-push-action uploads a .dockerbuild artifact unless DOCKER_BUILD_RECORD_UPLOAD=false): ' +
    'multiarch runs one build per platform, often on other jobs, and its report is the job summary and the platforms output. ' +
    'DOCKER_BUILD_RECORD_UPLOAD and DOCKER_BUILD_RECORD_RETENTION_DAYS are ignored; `docker buildx history export` on the runner exports a record when you need one.'
  );
}
