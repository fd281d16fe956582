/**
 * No checkout: fetch the run's commit (Config.gitContext) and build it as a path context. BPA
 * builds `<repo>.git#<sha>` as a Git context; multiarch must read the Dockerfile to plan, so it
 * fetches the commit itself, the way actions/checkout does: `git init`, a depth-1 fetch of the
 * sha, a detached checkout. The token travels in an `http.extraheader` (actions/checkout's form),
 * never in the URL, so neither git's messages nor .git/config can show it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execOk } from '../exec.js';
import type { Io } from '../types/io.js';
import type { Config } from '../types/config.js';
import { isDirectory, isFile } from '../fs-kind.js';

/** `git <args>` for the shallow fetch; the token (if any) as GitHub's basic `x-access-token` header. */
export function resolveGitFetchArgs(c: { url: string; sha: string; token?: string }): string[] {
  const auth = c.token ? ['-c', `http.extraheader=AUTHORIZATION: basic ${basicCredentials(c.token)}`] : [];
  // An empty credential.helper: no helper on the machine answers (or stores) for this URL.
  return [...auth, '-c', 'credential.helper=', 'fetch', '--quiet', '--no-tags', '--depth', '1', c.url, c.sha];
}

function basicCredentials(token: string): string {
  return Buffer.from(`x-access-token:${token}`).toString('base64');
}

/**
 * The config to plan and build with: unchanged without a Git context; else the commit fetched
 * into `<runDir>/git-context`, with `context` and `file` pointing into it.
 */
export async function fetchGitContext(config: Config, io: Io, runDir: string): Promise<Config> {
  const git = config.gitContext;
  if (!git) return config;
  // The header holds the token in base64, which the masker would not recognise from the token.
  if (config.githubToken) io.secret(basicCredentials(config.githubToken));
  const root = path.join(runDir, 'git-context');
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  // Never prompt for a username on a 401: fail with git's message instead.
  const env = { ...(process.env as Record<string, string>), GIT_TERMINAL_PROMPT: '0' };
  try {
    await execOk('git', ['init', '--quiet', root], { env });
    await execOk('git', ['-C', root, ...resolveGitFetchArgs({ url: git.url, sha: git.sha, token: config.githubToken })], { env });
    await execOk('git', ['-C', root, '-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', 'FETCH_HEAD'], { env });
  } catch (err) {
    const message = (err as Error).message;
    // A 401 reaches git as a request for a username it may not prompt for.
    const refused = /could not read Username|Authentication failed|returned error: 40[13]/.test(message);
    const hint = refused ? ` (the server refused ${config.githubToken ? 'the github-token' : 'an anonymous fetch'}: expected a github-token that can read ${git.repository}, e.g. permissions: contents: read, or actions/checkout before this step)` : '';
    throw new Error(`no checkout, and fetching ${git.sha} from ${git.url} failed: ${message}${hint}`);
  }
  io.info(`no checkout: fetched ${git.repository}@${git.sha} shallowly`);

  const at = `${git.repository}@${git.sha}`;
  const context = path.join(root, git.subdir);
  if (!isDirectory(context)) throw new Error(`Input "context": "{{defaultContext}}:${git.subdir}": no directory "${git.subdir}" in ${at} (expected a directory of the repository)`);
  const file = git.file !== undefined || !path.isAbsolute(config.file) ? path.resolve(context, git.file ?? 'Dockerfile') : config.file;
  if (!isFile(file)) {
    const name = path.posix.join(git.subdir, git.file ?? 'Dockerfile');
    throw new Error(`Input "file": Dockerfile "${name}" not found in ${at} (the workspace has no checkout, so multiarch fetched the run's commit; expected a Dockerfile there, or actions/checkout before this step)`);
  }
  return { ...config, context, file };
}


