/** The build-secret inputs: secrets (values), secret-files and secret-envs. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SecretSpec } from '../types/config.js';

/** What resolving secrets needs from the caller: where relative paths start, and where values and warnings go. */
export interface SecretsEnv {
  workspace: string;
  onSecret: (value: string) => void;
  onWarning: (message: string) => void;
}

/**
 * Build secrets. An entry with no id or no value is skipped with a warning, as build-push-action
 * does (buildx would fail the whole build on it); the warning names the entry by its id or its
 * position, never by its text, which may be the secret itself.
 */
export function resolveSecrets(values: string[], files: string[], envs: string[], env: SecretsEnv): SecretSpec[] {
  const out: SecretSpec[] = [];
  const split = (input: string, item: string, n: number): [string, string] | undefined => {
    const i = item.indexOf('=');
    const id = i > 0 ? item.slice(0, i).trim() : '';
    const value = i > 0 ? item.slice(i + 1) : '';
    if (id && value.trim()) return [id, value];
    const expected = input === 'secrets' ? 'id=value' : input === 'secret-files' ? 'id=path' : 'id=ENV_NAME';
    env.onWarning(`Input "${input}": entry ${n}${id ? ` ("${id}")` : ''} is not a valid secret (expected ${expected}): skipped`);
    return undefined;
  };
  values.forEach((item, n) => {
    const kv = split('secrets', item, n + 1);
    if (!kv) return;
    // Mask before anything else can print it; quotes around the value are not part of it.
    const unquoted = kv[1].replace(/^"(.*)"$/s, '$1');
    env.onSecret(unquoted);
    out.push({ id: kv[0], kind: 'value', value: unquoted });
  });
  files.forEach((item, n) => {
    const kv = split('secret-files', item, n + 1);
    if (!kv) return;
    const file = path.resolve(env.workspace, kv[1]);
    if (!fs.existsSync(file)) return env.onWarning(`Input "secret-files": entry ${n + 1} ("${kv[0]}"): file ${kv[1]} not found: skipped`);
    out.push({ id: kv[0], kind: 'file', path: file });
  });
  envs.forEach((item, n) => {
    const kv = split('secret-envs', item, n + 1);
    if (kv) out.push({ id: kv[0], kind: 'env', env: kv[1] });
  });
  return out;
}
