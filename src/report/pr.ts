/**
 * The PR check: the rendered report as a check run on the pull request's head commit or, when
 * the token may not write checks, as one sticky PR comment updated in place. It never throws:
 * the PR check is a convenience, and the report step must never fail the job.
 */
import { getOctokit } from '@actions/github';
import { defaults as githubDefaults } from '@actions/github/lib/utils';
import type { RunReport } from '../types/plan.js';
import { truncateMarkdown } from './pr-truncate.js';

/** GitHub's limit on a check run's `output.summary` (a comment body allows one more). */
export const GITHUB_TEXT_LIMIT = 65535;

/** What a check run concludes; `neutral` when the image was built but not verified. */
export type PrCheckConclusion = 'success' | 'failure' | 'neutral';

/** What publishPrCheck did. `failed` means an unexpected error, already logged as a warning. */
export type PrCheckResult = 'check-created' | 'check-updated' | 'comment-created' | 'comment-updated' | 'skipped' | 'failed';

/** The part of a pull_request / pull_request_target webhook payload this module reads. */
export interface PrPayload {
  pull_request?: {
    number: number;
    head?: { sha?: string; repo?: { fork?: boolean } | null };
  };
}

/** The run's GitHub context; `@actions/github`'s `context` fits as it is. */
export interface PrContext {
  eventName: string;
  payload: PrPayload;
  /** A getter on `@actions/github`'s context that throws outside Actions; read only for PR events. */
  readonly repo: { owner: string; repo: string };
  /** REST API root, e.g. https://api.github.com or https://ghes.example/api/v3. */
  apiUrl: string;
  /** With runId, used to link the full job summary from a truncated report. */
  serverUrl?: string;
  runId?: number;
}

/** Where publishPrCheck says what happened; `@actions/core`'s functions fit. */
export interface PrLog {
  info(message: string): void;
  warning(message: string): void;
  notice(message: string): void;
}

/** What publishPrCheck needs beyond the report; main.ts fills it from Config and @actions/github. */
export interface PrCheckOptions {
  /** The `github-token` input; nothing is published without one. */
  token: string | undefined;
  context: PrContext;
  /** The rendered report (renderMarkdown). */
  markdown: string;
  /** Check run name; defaults to resolveCheckName(report.image). */
  name?: string;
  log: PrLog;
  /** Deadline for all API calls together, so a hung connection cannot hold the job. */
  timeoutMs?: number;
  /**
   * Removes secrets from text (Redactor.redact). The runner masks its own log only; what goes
   * to GitHub's API is published as sent, so title, summary and comment pass through this first.
   */
  redact?: (text: string) => string;
}

const PR_EVENTS = new Set(['pull_request', 'pull_request_target']);
type Octokit = ReturnType<typeof getOctokit>;

interface Target {
  octokit: Octokit;
  owner: string;
  repo: string;
  sha: string;
  prNumber: number;
}

/**
 * Publishes the report on the pull request that triggered the run: a completed check run named
 * `name` on the head commit (updated in place when one with that name exists there), or, when
 * the token lacks `checks: write`, one sticky comment found again by resolveMarker. Does nothing
 * (no request at all) outside pull_request / pull_request_target events. Never throws.
 */
export async function publishPrCheck(report: RunReport, opts: PrCheckOptions): Promise<PrCheckResult> {
  const { context, log } = opts;
  if (!PR_EVENTS.has(context.eventName)) return 'skipped';
  try {
    return await publish(report, opts);
  } catch (err) {
    log.warning(`PR check: ${describeError(err)}`);
    return 'failed';
  }
}

async function publish(report: RunReport, opts: PrCheckOptions): Promise<PrCheckResult> {
  const { context, log } = opts;
  if (!opts.token) {
    log.info('PR check: skipped, no github-token');
    return 'skipped';
  }
  const pr = context.payload.pull_request;
  const sha = pr?.head?.sha;
  if (!pr || !sha) {
    log.warning(`PR check: skipped, the ${context.eventName} payload has no pull request head commit`);
    return 'skipped';
  }
  const { owner, repo } = context.repo;
  const target: Target = {
    octokit: getOctokit(opts.token, {
      baseUrl: context.apiUrl,
      // Octokit merges options shallowly, so spread @actions/github's request defaults (its
      // proxy-aware fetch) back in. The deadline lives here, not per call, because paginate
      // does not pass a call's `request` options on to the following pages.
      request: { ...githubDefaults.request, signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000) }
    }),
    owner,
    repo,
    sha,
    prNumber: pr.number
  };
  const name = opts.name ?? resolveCheckName(report.image);
  const note = truncationNote(context);
  const redact = opts.redact ?? ((text: string) => text);
  // Before truncation: a cut through a secret would leave part of it that no longer matches.
  const markdown = redact(opts.markdown);

  try {
    return await upsertCheckRun(target, name, redact(resolveTitle(report)), resolveConclusion(report), markdown, note, log);
  } catch (err) {
    if (!isPermissionDenied(err)) throw err;
    // GITHUB_TOKEN without `checks: write`, or a PAT (only GitHub Apps may create check runs).
    log.info(`PR check: cannot write check runs (${describeError(err)}); commenting on the pull request instead`);
  }
  try {
    return await upsertComment(target, resolveMarker(report.image), markdown, note, log);
  } catch (err) {
    if (!isPermissionDenied(err)) throw err;
    const fork = pr.head?.repo?.fork === true;
    log.notice(
      fork
        ? `PR check skipped: pull requests from forks get a read-only token (${describeError(err)}). The report is in the job summary.`
        : `PR check skipped: the token can write neither check runs nor PR comments (${describeError(err)}). Grant \`checks: write\` or \`pull-requests: write\` to publish it.`
    );
    return 'skipped';
  }
}

async function upsertCheckRun(t: Target, name: string, title: string, conclusion: PrCheckConclusion, markdown: string, note: string, log: PrLog): Promise<PrCheckResult> {
  const output = { title, summary: truncateMarkdown(markdown, GITHUB_TEXT_LIMIT, note) };
  const fields = { status: 'completed' as const, conclusion, completed_at: new Date().toISOString(), output };
  const { data: found } = await t.octokit.rest.checks.listForRef({
    owner: t.owner,
    repo: t.repo,
    ref: t.sha,
    check_name: name,
    filter: 'latest',
    per_page: 100
  });
  // A re-run of the job updates the check it made the first time rather than adding a second one.
  const existing = found.check_runs.find((c) => c.name === name);
  if (existing) {
    const { data } = await t.octokit.rest.checks.update({ owner: t.owner, repo: t.repo, check_run_id: existing.id, ...fields });
    log.info(`PR check: updated check run "${name}" (${conclusion}) ${data.html_url ?? ''}`.trimEnd());
    return 'check-updated';
  }
  const { data } = await t.octokit.rest.checks.create({ owner: t.owner, repo: t.repo, name, head_sha: t.sha, ...fields });
  log.info(`PR check: created check run "${name}" (${conclusion}) ${data.html_url ?? ''}`.trimEnd());
  return 'check-created';
}

async function upsertComment(t: Target, marker: string, markdown: string, note: string, log: PrLog): Promise<PrCheckResult> {
  const head = `${marker}\n`;
  const body = head + truncateMarkdown(markdown, GITHUB_TEXT_LIMIT - Buffer.byteLength(head), note);
  const author = await resolveTokenLogin(t);
  const matches = await t.octokit.paginate(
    t.octokit.rest.issues.listComments,
    { owner: t.owner, repo: t.repo, issue_number: t.prNumber, per_page: 100 },
    (response, done) => {
      // Stop paging at the first hit; long PR threads can run to many pages.
      const hit = response.data.find((c) => isOurComment(c.body, marker) && c.user?.login === author);
      if (hit) done();
      return hit ? [hit] : [];
    }
  );
  const existing = matches[0];
  if (existing) {
    const { data } = await t.octokit.rest.issues.updateComment({ owner: t.owner, repo: t.repo, comment_id: existing.id, body });
    log.info(`PR check: updated comment ${data.html_url}`);
    return 'comment-updated';
  }
  const { data } = await t.octokit.rest.issues.createComment({ owner: t.owner, repo: t.repo, issue_number: t.prNumber, body });
  log.info(`PR check: commented ${data.html_url}`);
  return 'comment-created';
}

/** The login GitHub Actions' own token comments as. */
const ACTIONS_BOT = 'github-actions[bot]';

/**
 * Who our comments are by. The marker alone proves nothing: anyone may post a comment that starts
 * with it, and we must not overwrite their text with ours. A personal token is a user (GET /user);
 * GITHUB_TOKEN is an installation token, for which GitHub answers GET /user with 403, and which
 * comments as github-actions[bot]. (Another app's installation token gets the same answer; its
 * comments then never match, so each run adds a comment rather than touching someone else's.)
 */
async function resolveTokenLogin(t: Target): Promise<string> {
  try {
    return (await t.octokit.rest.users.getAuthenticated()).data.login;
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === 401 || status === 403 || status === 404) return ACTIONS_BOT;
    throw err;
  }
}

/**
 * Ours only when the body starts with the marker, as we write it: a reviewer quoting or
 * mentioning the marker further down must not have their comment overwritten. The author is
 * checked as well, by the caller.
 */
function isOurComment(body: string | undefined | null, marker: string): boolean {
  return body?.startsWith(marker) ?? false;
}

/** `failure` on a run error, a failed leg or failed verification; `neutral` when nothing was verified. */
export function resolveConclusion(report: RunReport): PrCheckConclusion {
  if (report.error || report.legs.some((l) => !l.ok) || report.verification?.ok === false) return 'failure';
  return report.verification ? 'success' : 'neutral';
}

/** The check run's name: one per image, so a matrix of images gets one check each. */
export function resolveCheckName(image: string): string {
  return `multiarch: ${image}`;
}

/**
 * The hidden marker that finds our sticky comment again. The image goes in percent-encoded
 * outside a conservative set, so nothing in it can end the HTML comment early.
 */
export function resolveMarker(image: string): string {
  const safe = image.replace(/[^A-Za-z0-9._/:@-]/g, (ch) => encodeURIComponent(ch)).replace(/--/g, '-%2D');
  return `<!-- multiarch:${safe} -->`;
}

/** One line for the checks list; the markdown summary carries the detail. */
export function resolveTitle(report: RunReport): string {
  if (report.error) return `Failed: ${clip(report.error.split('\n')[0]!.trim(), 120)}`;
  const failedLegs = report.legs.filter((l) => !l.ok).map((l) => l.platform.platform);
  if (failedLegs.length) return `Build failed for ${failedLegs.join(', ')}`;
  if (report.verification?.ok === false) {
    const failed = report.verification.platforms.filter((p) => !p.ok).map((p) => p.platform);
    if (failed.length) return `Verification failed for ${failed.join(', ')}`;
    return report.verification.extra.length ? `Verification failed: unrequested ${report.verification.extra.join(', ')} in the index` : 'Verification failed';
  }
  const count = report.plan?.platforms.length ?? report.legs.length;
  const platforms = `${count} platform${count === 1 ? '' : 's'}`;
  return report.verification ? `${platforms} built and verified` : `${platforms} built, not verified`;
}

function truncationNote(context: PrContext): string {
  const where =
    context.serverUrl && context.runId
      ? `[the job summary](${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${context.runId})`
      : 'the job summary';
  return `\n> **Truncated:** this report is longer than GitHub allows here; the full report is in ${where}.\n`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A 403 that is about permissions, not rate limits: "Resource not accessible by integration"
 * (GITHUB_TOKEN without the scope) or "You must authenticate via a GitHub App" (a PAT on checks).
 */
function isPermissionDenied(err: unknown): boolean {
  const e = err as { status?: number; message?: string; response?: { headers?: Record<string, string | number | undefined> } };
  if (e?.status !== 403) return false;
  const rateLimited = /rate limit/i.test(e.message ?? '') || String(e.response?.headers?.['x-ratelimit-remaining']) === '0';
  return !rateLimited;
}

function describeError(err: unknown): string {
  const e = err as { status?: number; message?: string };
  const message = e?.message ?? String(err);
  return e?.status ? `${e.status} ${message}` : message;
}
