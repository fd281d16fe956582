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
import type { Config, GitContext, SecretSpec } from '../types/config.js';
import { isDirectory, isFile } from '../fs-kind.js';
import { resolveSecretValues } from '../report/secret-values.js';

/** `git <args>` for the shallow fetch; `basic` (base64 user:password) as an Authorization header. */
export function resolveGitFetchArgs(c: { url: string; ref: string; basic?: string }): string[] {
  const auth = c.basic ? ['-c', `http.extraheader=AUTHORIZATION: basic ${c.basic}`] : [];
  // An empty credential.helper: no helper on the machine answers (or stores) for this URL.
  return [...auth, '-c', 'credential.helper=', 'fetch', '--quiet', '--no-tags', '--depth', '1', c.url, c.ref || 'HEAD'];
}

/** Where a fetch's credentials came from, as the refusal names them. */
type CredentialSource = 'the credentials in the URL' | 'the GIT_AUTH_TOKEN secret' | 'the github-token';

/**
 * The header's credentials for this context, first found: the URL's own user:password; a
 * GIT_AUTH_TOKEN.<host> or GIT_AUTH_TOKEN build secret (BuildKit's names for a Git context's token,
 * which BPA users pass in `secrets`); the github-token, for the run's own server only. Tokens go in
 * GitHub's x-access-token form.
 */
function gitCredentials(git: Pick<GitContext, 'auth' | 'credentials' | 'url'>, githubToken: string | undefined, secrets: readonly SecretSpec[], env: NodeJS.ProcessEnv): { basic: string; from: CredentialSource } | undefined {
  if (git.auth === 'url' && git.credentials) return { basic: Buffer.from(`${git.credentials.username}:${git.credentials.password}`).toString('base64'), from: 'the credentials in the URL' };
  const secret = gitAuthSecret(secrets, hostOf(git.url), env);
  if (secret) return { basic: Buffer.from(`x-access-token:${secret}`).toString('base64'), from: 'the GIT_AUTH_TOKEN secret' };
  if (git.auth === 'github-token' && githubToken) return { basic: Buffer.from(`x-access-token:${githubToken}`).toString('base64'), from: 'the github-token' };
  return undefined;
}

/** gitCredentials' header value alone: base64 of user:password. */
export function basicCredentials(git: Pick<GitContext, 'auth' | 'credentials' | 'url'>, githubToken: string | undefined, secrets: readonly SecretSpec[] = [], env: NodeJS.ProcessEnv = process.env): string | undefined {
  return gitCredentials(git, githubToken, secrets, env)?.basic;
}

function hostOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.hostname.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** GIT_AUTH_TOKEN.<host> (for that host) before GIT_AUTH_TOKEN (any http(s) host), as BuildKit reads them. */
function gitAuthSecret(secrets: readonly SecretSpec[], host: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (!host) return undefined;
  const spec = secrets.find((s) => s.id.toLowerCase() === `git_auth_token.${host}`) ?? secrets.find((s) => s.id === 'GIT_AUTH_TOKEN');
  if (!spec) return undefined;
  // secret-envs and secret-files are read as the report reads them for redaction.
  const value = spec.kind === 'value' ? spec.value : resolveSecretValues([spec], env).values[0];
  return value?.trim() || undefined;
}

/**
 * The config to plan and build with: unchanged without a Git context; else the commit fetched
 * into `<runDir>/git-context`, with `context` and `file` pointing into it.
 */
export async function fetchGitContext(config: Config, io: Io, runDir: string): Promise<Config> {
  const git = config.gitContext;
  if (!git) return config;
  const credentials = gitCredentials(git, config.githubToken, config.secrets ?? [], process.env);
  const basic = credentials?.basic;
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
    const credential = credentials?.from ?? 'an anonymous fetch';
    const expected = git.source === 'run' ? `expected a github-token that can read ${git.repository}, e.g. permissions: contents: read, or actions/checkout before this step` : `expected a repository this run may read: the github-token goes only to the run's own server, so another repository needs a token that can read it, as secrets: GIT_AUTH_TOKEN=… (or GIT_AUTH_TOKEN.<host>=…)`;
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
