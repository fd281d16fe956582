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

/** Go's strconv.ParseBool, as actions-toolkit's Util.parseBool reads these variables; undefined for anything else. */
export function parseGoBool(value: string | undefined): boolean | undefined {
  const v = value?.trim() ?? '';
  return TRUE.has(v) ? true : FALSE.has(v) ? false : undefined;
}

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
  describeRetiredSwitches(env).forEach(warn);
  return { summary: flag('DOCKER_BUILD_SUMMARY', 'the summary'), checkAnnotations: flag('DOCKER_BUILD_CHECKS_ANNOTATIONS', 'check annotations') };
}

/**
 * Variables build-push-action v6 read and v7 no longer does (docker/build-push-action@cadccf6,
 * "remove deprecated envs"). A workflow moving from v6 may still set them; each gets one warning
 * naming its replacement, since silently ignoring a switch reads as a broken one.
 */
const RETIRED: Record<string, string> = {
  DOCKER_BUILD_NO_SUMMARY: 'set DOCKER_BUILD_SUMMARY=false instead',
  DOCKER_BUILD_EXPORT_RETENTION_DAYS: 'set DOCKER_BUILD_RECORD_RETENTION_DAYS instead'
};

/** Pure: one warning per retired BPA variable the environment sets. */
export function describeRetiredSwitches(env: Record<string, string | undefined>): string[] {
  return Object.entries(RETIRED)
    .filter(([name]) => env[name]?.trim())
    .map(([name, instead]) => `${name} is not read (build-push-action v7 dropped it): ${instead}.`);
}

/**
 * What becomes of the build records (the `.dockerbuild` bundle Docker Desktop's Builds view
 * imports), read as BPA reads DOCKER_BUILD_RECORD_UPLOAD and DOCKER_BUILD_RECORD_RETENTION_DAYS.
 */
export interface RecordUpload {
  /** Upload the record as an artifact of the workflow run (on unless the variable is false). */
  upload: boolean;
  /** Days GitHub keeps the artifact; undefined means the repository's setting (BPA: unset or 0). */
  retentionDays?: number;
}

/**
 * Pure. BPA fails its summary step on a retention that is not a number; here a malformed value
 * warns and the repository's retention applies, since the record is a by-product of the build.
 */
export function resolveRecordUpload(env: Record<string, string | undefined>, warn: (message: string) => void): RecordUpload {
  const upload = env.DOCKER_BUILD_RECORD_UPLOAD?.trim();
  let on = true;
  if (upload && FALSE.has(upload)) on = false;
  else if (upload && !TRUE.has(upload)) warn(`DOCKER_BUILD_RECORD_UPLOAD="${upload}" is not a boolean (expected true or false, as build-push-action reads it); build records stay on.`);
  const days = env.DOCKER_BUILD_RECORD_RETENTION_DAYS?.trim();
  if (!days) return { upload: on };
  if (!/^\d+$/.test(days)) {
    warn(`DOCKER_BUILD_RECORD_RETENTION_DAYS="${days}" is not a number of days (expected a whole number, e.g. 7; 0 for the repository's setting); the repository's retention applies.`);
    return { upload: on };
  }
  const n = Number(days);
  return n > 0 ? { upload: on, retentionDays: n } : { upload: on };
}
