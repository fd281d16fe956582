/**
 * A Git URL as a build context, spelled the ways buildx and build-push-action take one:
 *   https://github.com/org/repo.git#ref:subdir     (fragment: ref, then an optional subdir)
 *   https://github.com/org/repo.git?ref=v1&subdir=app   (BuildKit's query form; branch= and tag= too)
 *   git@github.com:org/repo.git#main     ssh://git@host/org/repo.git     git://host/org/repo.git
 *   github.com/org/repo                  (BuildKit's shorthand for https://github.com/org/repo)
 * An http(s) URL is a Git URL when its path ends in `.git` (BuildKit's rule). Pure.
 */
import { InputError } from './input-error.js';

export interface GitUrl {
  /** The repository URL git fetches, without credentials, fragment or query. */
  url: string;
  /** Branch, tag or commit; '' for the remote's default branch. */
  ref: string;
  /** Directory of the repository to build ('' for its root). */
  subdir: string;
  /** `owner/name` (the URL's path without `.git`), for the log and the image name. */
  repository: string;
  /** The URL's host, to decide whether the github-token may go there. */
  host: string;
  /** user:password given in an http(s) URL: sent as a header, never in the URL git sees. */
  credentials?: { username: string; password: string };
}

const SCP = /^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):([^#?]+?)(?:\?([^#]*))?(?:#(.*))?$/;

/** Undefined when `text` is not a Git URL (a path); an InputError when it is one, malformed. */
export function parseGitUrl(text: string): GitUrl | undefined {
  const t = text.trim();
  if (t.startsWith('github.com/')) return parseGitUrl(`https://${t}`);
  const scp = SCP.exec(t);
  if (scp && !t.includes('://')) {
    const [, user, host, repoPath, query, fragment] = scp;
    return finish(t, { url: `${user}@${host}:${repoPath}`, host: host!, path: repoPath! }, query, fragment);
  }
  let u: URL;
  try {
    u = new URL(t);
  } catch {
    return undefined;
  }
  const scheme = u.protocol.slice(0, -1);
  if (!['http', 'https', 'git', 'ssh'].includes(scheme)) return undefined;
  const isGit = scheme === 'git' || scheme === 'ssh' || u.pathname.endsWith('.git') || (u.hostname === 'github.com' && /^\/[^/]+\/[^/]+\/?$/.test(u.pathname));
  if (!isGit) return undefined;
  const credentials = (scheme === 'http' || scheme === 'https') && (u.username || u.password) ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : undefined;
  const user = !credentials && u.username ? `${u.username}@` : '';
  const url = `${u.protocol}//${user}${u.host}${u.pathname}`;
  const query = u.search ? u.search.slice(1) : undefined;
  const fragment = u.hash ? decodeURIComponent(u.hash.slice(1)) : undefined;
  return finish(t, { url, host: u.hostname, path: u.pathname, ...(credentials ? { credentials } : {}) }, query, fragment);
}

function finish(text: string, base: { url: string; host: string; path: string; credentials?: GitUrl['credentials'] }, query: string | undefined, fragment: string | undefined): GitUrl {
  let ref = '';
  let subdir = '';
  if (fragment !== undefined) {
    const i = fragment.indexOf(':');
    ref = i < 0 ? fragment : fragment.slice(0, i);
    subdir = i < 0 ? '' : fragment.slice(i + 1);
  }
  if (query) {
    if (fragment !== undefined) throw new InputError('context', `"${redactUserinfo(text)}" has both a query and a fragment (expected one: #ref:subdir, or ?ref=REF&subdir=DIR)`);
    for (const [key, value] of new URLSearchParams(query)) {
      if (key === 'ref' || key === 'branch' || key === 'tag') ref = value;
      else if (key === 'subdir') subdir = value;
      else throw new InputError('context', `"${redactUserinfo(text)}": the Git URL parameter "${key}" is not supported (expected ref, branch, tag or subdir)`);
    }
  }
  // Both reach git's argv: nothing that could read as an option, or leave the repository.
  if (ref && (!/^[A-Za-z0-9._/+-]+$/.test(ref) || ref.startsWith('-') || ref.includes('..'))) {
    throw new InputError('context', `"${redactUserinfo(text)}": "${ref}" is not a branch, tag or commit (expected letters, digits and ._/+- after #)`);
  }
  const dir = normalizeSubdir(subdir);
  if (dir === undefined) throw new InputError('context', `"${redactUserinfo(text)}": subdir "${subdir}" leaves the repository (expected #ref:path/in/repo)`);
  if (base.url.startsWith('-')) throw new InputError('context', `"${redactUserinfo(text)}" is not a Git URL (expected https://host/org/repo.git#ref:subdir)`);
  const repository = base.path.replace(/^\/+/, '').replace(/\.git\/?$/, '').replace(/\/+$/, '');
  return { url: base.url, ref, subdir: dir, repository, host: base.host.toLowerCase(), ...(base.credentials ? { credentials: base.credentials } : {}) };
}

/** `./a/b/` → `a/b`, '' for the root; undefined for a path that leaves the repository. */
function normalizeSubdir(text: string): string | undefined {
  if (text.startsWith('/')) return undefined;
  const parts: string[] = [];
  for (const p of text.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') return undefined;
    parts.push(p);
  }
  return parts.join('/');
}

/** The URL as it may be shown: the userinfo (a password, or a token given as the user name) masked. Unlike registry/errors.ts redactUrl, the fragment and query stay: they are the input. */
export function redactUserinfo(text: string): string {
  return text.replace(/^([a-z+]+:\/\/)([^/@]*)@/i, (_m, scheme: string, userinfo: string) => `${scheme}${userinfo.includes(':') ? `${userinfo.split(':')[0]}:***` : '***'}@`);
}
