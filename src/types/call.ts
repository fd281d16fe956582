/** What a `call` subrequest (BPA's `call` input: check, outline, targets) found; no image is built. */
import type { CallMethod } from './config.js';

/** One Dockerfile check warning, as buildx reports it, with the platforms it was found for. */
export interface CheckWarning {
  rule: string;
  url?: string;
  detail: string;
  /** The Dockerfile as annotations name it, and the 1-based line; absent when buildx gave none. */
  file: string;
  line?: number;
  platforms: string[];
}

export interface CallReport {
  method: Exclude<CallMethod, 'build'>;
  /** The platforms the subrequest ran for: every one for check, the first for outline and targets. */
  platforms: string[];
  /** check: the warnings, deduplicated across platforms. */
  warnings?: CheckWarning[];
  /** check: an error-level result (`# check=error=true`, or an error rule), as buildx says it. */
  buildError?: string;
  /** What buildx prints (check: the same words, rebuilt from its JSON). */
  text: string;
  /** buildx's JSON result, without the base64 sources (check: {warnings, buildError}). */
  json: unknown;
}
