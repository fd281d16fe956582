/**
 * Registry credentials, found the way the docker CLI finds them: explicit credentials first, then
 * Docker's config.json (per-registry credential helper, then the default credential store, then
 * the inline `auths` entry). Every secret is handed to `onSecret` before it is used, so the action
 * can mask it in logs; nothing here ever logs a secret.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { exec } from '../exec.js';
import { DOCKER_HUB } from './reference.js';

/** Credentials for one registry. */
export interface Credentials {
  username: string;
  password: string;
  /**
   * An OAuth2 refresh token (Docker's `identitytoken`, or a helper answering with username
   * `<token>`). It is exchanged at the registry's token endpoint instead of sending a password.
   */
  identityToken?: string;
}

export interface ResolveCredentialsOptions {
  /** Credentials given by the user for this registry; they win over anything in Docker's config. */
  explicit?: Credentials;
  /** Called with every password or token found, before it is used (the action masks them). */
  onSecret: (value: string) => void;
  /** Directory holding config.json; defaults to $DOCKER_CONFIG, then ~/.docker. */
  configDir?: string;
}

/** The subset of Docker's config.json that holds credentials. */
interface DockerConfig {
  auths?: Record<string, DockerAuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

interface DockerAuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

/** Key Docker uses for Docker Hub in config.json and when asking credential helpers. */
export const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';
/** Username a credential helper returns when the secret is an identity (refresh) token. */
const TOKEN_USERNAME = '<token>';

/** The key a registry is stored under in Docker's config.json (and passed to credential helpers). */
export function dockerConfigKey(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_CONFIG_KEY : registry;
}

/** Find credentials for `registry` (as in a parsed reference, e.g. `docker.io`, `ghcr.io`), or undefined for anonymous. */
export async function resolveCredentials(
  registry: string,
  opts: ResolveCredentialsOptions
): Promise<Credentials | undefined> {
  if (opts.explicit) return reveal(opts.explicit, opts.onSecret);

  const configDir = opts.configDir ?? process.env['DOCKER_CONFIG'] ?? join(homedir(), '.docker');
  const configPath = join(configDir, 'config.json');
  const config = await readDockerConfig(configPath);
  if (!config) return undefined;

  const key = dockerConfigKey(registry);
  const helper = config.credHelpers?.[key] ?? config.credHelpers?.[registry];
  if (helper) return fromHelper(helper, key, configPath, opts.onSecret);

  if (config.credsStore) {
    const found = await fromHelper(config.credsStore, key, configPath, opts.onSecret);
    // Docker keeps inline `auths` alongside a store (e.g. written by older logins); fall back to them.
    if (found) return found;
  }

  const entry = findAuthEntry(config.auths ?? {}, registry);
  return entry ? fromAuthEntry(entry, key, configPath, opts.onSecret) : undefined;
}

async function readDockerConfig(path: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read Docker config ${path}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as DockerConfig;
  } catch (err) {
    throw new Error(`Docker config ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Docker matches `auths` keys loosely: `https://ghcr.io`, `ghcr.io/v1/` and `ghcr.io` all name
 * ghcr.io, and Docker Hub appears under several historical names.
 */
function findAuthEntry(auths: Record<string, DockerAuthEntry>, registry: string): DockerAuthEntry | undefined {
  const exact = auths[dockerConfigKey(registry)] ?? auths[registry];
  if (exact) return exact;
  const wanted =
    registry === DOCKER_HUB ? new Set(['index.docker.io', 'docker.io', 'registry-1.docker.io']) : new Set([registry]);
  for (const [key, entry] of Object.entries(auths)) {
    const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
    if (wanted.has(host)) return entry;
  }
  return undefined;
}

function fromAuthEntry(
  entry: DockerAuthEntry,
  key: string,
  configPath: string,
  onSecret: (value: string) => void
): Credentials | undefined {
  let username = entry.username ?? '';
  let password = entry.password ?? '';
  if (entry.auth) {
    // Mask the encoded form too: it is as good as the password to anyone who reads the log.
    onSecret(entry.auth);
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new Error(`Docker config ${configPath}: auths[${JSON.stringify(key)}].auth is not base64 user:password`);
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  if (entry.identitytoken) {
    return reveal({ username, password, identityToken: entry.identitytoken }, onSecret);
  }
  if (!username && !password) return undefined;
  return reveal({ username, password }, onSecret);
}

/** Run `docker-credential-<helper> get` with the server URL on stdin, as the docker CLI does. */
async function fromHelper(
  helper: string,
  serverUrl: string,
  configPath: string,
  onSecret: (value: string) => void
): Promise<Credentials | undefined> {
  // The name comes from a config file and becomes part of a command name; refuse anything odd.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(helper)) {
    throw new Error(`Docker config ${configPath}: invalid credential helper name ${JSON.stringify(helper)}`);
  }
  const command = `docker-credential-${helper}`;
  let result;
  try {
    result = await exec(command, ['get'], { input: Buffer.from(serverUrl) });
  } catch (err) {
    throw new Error(
      `Docker config ${configPath} names credential helper ${JSON.stringify(helper)} for ${serverUrl}, ` +
        `but ${command} could not be run: ${(err as Error).message}`
    );
  }
  if (result.code !== 0) {
    const message = (result.stdout.trim() || result.stderr.trim()).split('\n').pop() ?? '';
    if (/credentials not found/i.test(message)) return undefined;
    throw new Error(`${command} get failed for ${serverUrl}: ${message || `exit code ${result.code}`}`);
  }
  let answer: { Username?: unknown; Secret?: unknown };
  try {
    answer = JSON.parse(result.stdout) as { Username?: unknown; Secret?: unknown };
  } catch {
    // Never echo the output: it is supposed to contain a secret.
    throw new Error(`${command} get returned output that is not JSON`);
  }
  const username = typeof answer.Username === 'string' ? answer.Username : '';
  const secret = typeof answer.Secret === 'string' ? answer.Secret : '';
  if (!secret) return undefined;
  if (username === TOKEN_USERNAME) return reveal({ username: '', password: '', identityToken: secret }, onSecret);
  return reveal({ username, password: secret }, onSecret);
}

function reveal(creds: Credentials, onSecret: (value: string) => void): Credentials {
  if (creds.password) onSecret(creds.password);
  if (creds.identityToken) onSecret(creds.identityToken);
  if (creds.username && creds.password) {
    onSecret(Buffer.from(`${creds.username}:${creds.password}`).toString('base64'));
  }
  return creds;
}
