/**
 * A Git build context (Config.gitContext): the run's commit when the workflow has no checkout
 * (BPA's `{{defaultContext}}`), or a Git URL given as `context`. BPA hands either to BuildKit as a
 * Git context; multiarch must read the Dockerfile to plan, so it fetches the commit itself, the way
 * actions/checkout does: `git init`, a depth-1 fetch of the commit or ref, a detached checkout, and
 * builds that directory. Credentials travel in an `http.extraheader` (actions/checkout's form),
 * never in the URL, so neither git's messages nor .git/config can show them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execOk } from '../exec.js';
import type { Io } from '../types/io.js';
import type { Config, GitContext } from '../types/config.js';
import { isDirectory, isFile } from '../fs-kind.js';

/** `git <args>` for the shallow fetch; `basic` (base64 user:password) as an Authorization header. */
export function resolveGitFetchArgs(c: { url: string; ref: string; basic?: string }): string[] {
  const auth = c.basic ? ['-c', `http.extraheader=AUTHORIZATION: basic ${c.basic}`] : [];
  // An empty credential.helper: no helper on the machine answers (or stores) for this URL.
  return [...auth, '-c', 'credential.helper=', 'fetch', '--quiet', '--no-tags', '--depth', '1', c.url, c.ref || 'HEAD'];
}

/** The header's credentials for this context: GitHub's x-access-token form for the github-token. */
export function basicCredentials(git: Pick<GitContext, 'auth' | 'credentials'>, githubToken: string | undefined): string | undefined {
  if (git.auth === 'url' && git.credentials) return Buffer.from(`${git.credentials.username}:${git.credentials.password}`).toString('base64');
  if (git.auth === 'github-token' && githubToken) return Buffer.from(`x-access-token:${githubToken}`).toString('base64');
  return undefined;
}

/**
 * The config to plan and build with: unchanged without a Git context; else the commit fetched
 * into `<runDir>/git-context`, with `context` and `file` pointing into it.
 */
export async function fetchGitContext(config: Config, io: Io, runDir: string): Promise<Config> {
  const git = config.gitContext;
  if (!git) return config;
  const basic = basicCredentials(git, config.githubToken);
  // The header holds the credentials in base64, which the masker would not recognise from them.
  if (basic) io.secret(basic);
  const root = path.join(runDir, 'git-context');
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  // Never prompt for a username on a 401: fail with git's message instead.
  const env = { ...(process.env as Record<string, string>), GIT_TERMINAL_PROMPT: '0' };
  const what = git.source === 'run' ? git.ref : git.ref || 'the default branch';
  let commit: string;
  try {
    await execOk('git', ['init', '--quiet', root], { env });
    await execOk('git', ['-C', root, ...resolveGitFetchArgs({ url: git.url, ref: git.ref, ...(basic ? { basic } : {}) })], { env });
    await execOk('git', ['-C', root, '-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', 'FETCH_HEAD'], { env });
    commit = (await execOk('git', ['-C', root, 'rev-parse', 'HEAD'], { env })).stdout.trim();
  } catch (err) {
    const message = (err as Error).message;
    // A 401 reaches git as a request for a username it may not prompt for.
    const refused = /could not read Username|Authentication failed|returned error: 40[13]/.test(message);
    const credential = git.auth === 'url' ? 'the credentials in the URL' : basic ? 'the github-token' : 'an anonymous fetch';
    const expected = git.source === 'run' ? `expected a github-token that can read ${git.repository}, e.g. permissions: contents: read, or actions/checkout before this step` : `expected a repository this run may read: the github-token goes only to the run's own server, so another host's private repository needs user:token in the URL (from a secret)`;
    const hint = refused ? ` (the server refused ${credential}: ${expected})` : '';
    throw new Error(`${git.source === 'run' ? 'no checkout, and ' : 'Input "context": '}fetching ${what} from ${git.url} failed: ${message}${hint}`);
  }
  io.info(git.source === 'run' ? `no checkout: fetched ${git.repository}@${git.ref} shallowly` : `context ${git.url}${git.ref ? `#${git.ref}` : ''}: fetched ${commit} shallowly`);

  const at = `${git.repository}@${git.source === 'run' ? git.ref : commit}`;
  const context = path.join(root, git.subdir);
  const input = git.source === 'run' ? `{{defaultContext}}:${git.subdir}` : `${git.url}${git.ref ? `#${git.ref}` : '#'}:${git.subdir}`;
  if (!isDirectory(context)) throw new Error(`Input "context": "${input}": no directory "${git.subdir}" in ${at} (expected a directory of the repository)`);
  const file = git.file !== undefined || !path.isAbsolute(config.file) ? path.resolve(context, git.file ?? 'Dockerfile') : config.file;
  if (!isFile(file)) {
    const name = path.posix.join(git.subdir, git.file ?? 'Dockerfile');
    const why = git.source === 'run' ? `the workspace has no checkout, so multiarch fetched the run's commit; expected a Dockerfile there, or actions/checkout before this step` : 'expected a Dockerfile there, or file: naming one inside the context';
    throw new Error(`Input "file": Dockerfile "${name}" not found in ${at} (${why})`);
  }
  return { ...config, context, file };
}
