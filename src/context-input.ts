/**
 * The `context` and `file` inputs → where the build context is: a directory of the workspace, or
 * the run's Git commit. docker/build-push-action's default context is `{{defaultContext}}`, the Git
 * context `<server>/<repo>.git#<sha>`, so a workflow without actions/checkout builds with it. Ours
 * defaults to the workspace and reads the Dockerfile to plan; with no checkout it falls back to
 * the commit, which stages/git-context.ts fetches before planning. Pure apart from existence checks.
 */
import * as path from 'node:path';
import { parseGoBool } from './bpa-env.js';
import { InputError } from './input-error.js';
import type { GitContext } from './types/config.js';
import { isDirectory, isFile } from './fs-kind.js';
import { parseGitUrl, redactUserinfo, type GitUrl } from './git-url.js';

/** The commit a GitHub run is for (GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_SHA). */
export interface RunCommit {
  serverUrl: string;
  repository: string;
  sha: string;
}

/** BPA's name for the run's Git context; `{{defaultContext}}:subdir` is a directory of it. */
export const DEFAULT_CONTEXT = '{{defaultContext}}';

/** The part of the event payload that names a pull request's head commit. */
export interface RunEvent {
  pull_request?: { [key: string]: unknown };
}

/**
 * The run's commit from the runner's environment; undefined outside a GitHub run (the CLI, a
 * local run) or when a value could not be a server, a repository or a commit, since all reach git's argv.
 * A pull request's run names its merge commit; with DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF (read
 * by actions-toolkit for BPA's default Git context) it is the pull request's head commit instead.
 */
export function resolveRunCommit(env: Record<string, string | undefined>, event: RunEvent = {}): RunCommit | undefined {
  const repository = env.GITHUB_REPOSITORY ?? '';
  const head = (event.pull_request?.head as { sha?: unknown } | undefined)?.sha;
  const wantsHead = /^refs\/pull\//.test(env.GITHUB_REF ?? '') && parseGoBool(env.DOCKER_DEFAULT_GIT_CONTEXT_PR_HEAD_REF) === true;
  const sha = wantsHead && typeof head === 'string' && isCommitSha(head) ? head : (env.GITHUB_SHA ?? '');
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository) || repository.startsWith('-')) return undefined;
  if (!isCommitSha(sha)) return undefined;
  const serverUrl = env.GITHUB_SERVER_URL || 'https://github.com';
  if (!/^https?:\/\/[^\s@/]+(\/[^\s@]*)?$/.test(serverUrl)) return undefined;
  return { serverUrl, repository, sha };
}

function isCommitSha(text: string): boolean {
  return /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(text);
}

export interface ContextSource {
  /** Absolute directory; with gitContext, the BPA-style Git context string until the fetch. */
  context: string;
  /** Absolute Dockerfile path; with gitContext (and a relative file), its path inside the commit until the fetch. */
  file: string;
  gitContext?: GitContext;
}

/**
 * | context                         | workspace has the Dockerfile | run's commit | → context            |
 * |---------------------------------|------------------------------|--------------|----------------------|
 * | unset or `.` (the default)      | yes                          | any          | the workspace        |
 * | unset or `.`                    | no (no checkout)             | yes          | the commit           |
 * | unset or `.`                    | no                           | no           | error: not found     |
 * | `{{defaultContext}}[:subdir]`   | any                          | yes          | the commit [subdir]  |
 * | `{{defaultContext}}[:subdir]`   | any                          | no           | error: needs commit  |
 * | a Git URL (`…/repo.git#ref:dir`) | any                          | any          | that ref [dir]       |
 * | any other path                  | any                          | any          | that path            |
 *
 * An absolute `file` is always the local Dockerfile; a relative one is inside the context.
 */
export function resolveContextSource(contextText: string, fileText: string, workspace: string, commit: RunCommit | undefined, opts: ContextOptions = {}): ContextSource {
  const gitUrl = parseGitUrl(contextText);
  if (gitUrl) return urlBuildContext(gitUrl, fileText, opts);
  const explicitGit = contextText === DEFAULT_CONTEXT || contextText.startsWith(`${DEFAULT_CONTEXT}:`);
  if (explicitGit) {
    if (!commit) {
      throw new InputError('context', `"${contextText}" needs the run's Git commit (GITHUB_REPOSITORY and GITHUB_SHA), which only a GitHub Actions run has (expected a path to the build context)`);
    }
    const subdir = resolveSubdir(contextText.slice(DEFAULT_CONTEXT.length + 1));
    if (subdir === undefined) {
      throw new InputError('context', `"${contextText}" is not a directory that stays inside the repository (expected {{defaultContext}}:path/in/repo)`);
    }
    return gitBuildContext(commit, subdir, fileText);
  }

  const context = path.resolve(workspace, contextText || '.');
  const file = fileText ? path.resolve(workspace, fileText) : path.join(context, 'Dockerfile');
  const isDefault = contextText === '' || contextText === '.';
  // No checkout: the workspace lacks the Dockerfile, so build the commit as BPA would.
  if (isDefault && commit && !isFile(file) && !path.isAbsolute(fileText) && resolveSubdir(fileText || 'Dockerfile') !== undefined) {
    return gitBuildContext(commit, '', fileText);
  }
  if (!isDirectory(context)) throw new InputError('context', `"${contextText}" is not a directory (expected a path to the build context)`);
  if (!isFile(file)) {
    throw new InputError('file', `Dockerfile "${fileText || path.relative(workspace, file) || file}" not found (expected a path to a Dockerfile${fileText ? '' : '; by default {context}/Dockerfile'})`);
  }
  return { context, file };
}

/** What a Git URL context needs besides the URL. */
export interface ContextOptions {
  /** The GitHub server (GITHUB_SERVER_URL): the only host the github-token is sent to. */
  serverUrl?: string;
  /** Registers a value read from the input as a secret (a password in the URL). */
  onSecret?: (value: string) => void;
}

/**
 * A Git URL context: fetched like the run's commit. The github-token goes only to the run's own
 * server (as BPA sends GIT_AUTH_TOKEN only for its host); a URL's user:password goes in a header.
 */
function urlBuildContext(git: GitUrl, fileText: string, opts: ContextOptions): ContextSource {
  if (git.credentials) {
    opts.onSecret?.(git.credentials.password || git.credentials.username);
    opts.onSecret?.(Buffer.from(`${git.credentials.username}:${git.credentials.password}`).toString('base64'));
  }
  let server = '';
  try {
    server = new URL(opts.serverUrl || 'https://github.com').hostname.toLowerCase();
  } catch {
    server = '';
  }
  const auth: GitContext['auth'] = git.credentials ? 'url' : git.host === server && /^https?:\/\//.test(git.url) ? 'github-token' : 'none';
  const relativeFile = fileText && !path.isAbsolute(fileText) ? fileText : undefined;
  const shown = `${redactUserinfo(git.url)}${git.ref ? `#${git.ref}` : ''}`;
  if (relativeFile && resolveSubdir(path.posix.join(git.subdir, relativeFile)) === undefined) {
    throw new InputError('file', `"${fileText}" leaves the repository (expected a path inside the context ${shown}${git.subdir ? `:${git.subdir}` : ''})`);
  }
  if (fileText && !relativeFile && !isFile(fileText)) {
    throw new InputError('file', `Dockerfile "${fileText}" not found (expected a path to a Dockerfile, or a path inside the context)`);
  }
  const gitContext: GitContext = {
    source: 'url',
    url: git.url,
    repository: git.repository,
    ref: git.ref,
    subdir: git.subdir,
    ...(relativeFile ? { file: relativeFile } : {}),
    auth,
    ...(git.credentials ? { credentials: git.credentials } : {})
  };
  return {
    context: `${shown}${git.subdir ? `:${git.subdir}` : ''}`,
    file: relativeFile || !fileText ? path.posix.join(git.subdir, relativeFile ?? 'Dockerfile') : fileText,
    gitContext
  };
}

function gitBuildContext(commit: RunCommit, subdir: string, fileText: string): ContextSource {
  const url = `${commit.serverUrl.replace(/\/+$/, '')}/${commit.repository}.git`;
  const relativeFile = fileText && !path.isAbsolute(fileText) ? fileText : undefined;
  if (relativeFile && resolveSubdir(path.posix.join(subdir, relativeFile)) === undefined) {
    throw new InputError('file', `"${fileText}" leaves the repository (expected a path inside the context ${DEFAULT_CONTEXT}${subdir ? `:${subdir}` : ''})`);
  }
  const gitContext: GitContext = { source: 'run', url, repository: commit.repository, ref: commit.sha, subdir, ...(relativeFile ? { file: relativeFile } : {}), auth: 'github-token' };
  if (fileText && !relativeFile && !isFile(fileText)) {
    throw new InputError('file', `Dockerfile "${fileText}" not found (expected a path to a Dockerfile, or a path inside the context)`);
  }
  return {
    context: `${url}#${commit.sha}${subdir ? `:${subdir}` : ''}`,
    file: relativeFile || !fileText ? path.posix.join(subdir, relativeFile ?? 'Dockerfile') : fileText,
    gitContext
  };
}

/** `./a/b/` → `a/b`, '' for the root; undefined for a path that leaves the repository. */
function resolveSubdir(text: string): string | undefined {
  if (path.posix.isAbsolute(text)) return undefined;
  const normal = path.posix.normalize(text || '.').replace(/\/+$/, '');
  if (normal === '..' || normal.startsWith('../')) return undefined;
  return normal === '.' ? '' : normal;
}


