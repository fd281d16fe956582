/**
 * The values behind `secret-envs` and `secret-files`. Config keeps only the variable's name and
 * the file's path (buildx reads them itself), so nothing masks or redacts what they hold unless
 * the entry point reads them too: it does, with this, before the build can print them.
 */
import * as fs from 'node:fs';
import type { SecretSpec } from '../types/config.js';

/**
 * Files larger than this are not read: a secret is a token or a key, and a multi-megabyte file
 * (a keystore, an archive) would cost more to search for than any log line could ever show of it.
 */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

export interface SecretValues {
  values: string[];
  /** Entries that could not be read, each with why; the build will say more when it uses them. */
  skipped: string[];
}

/** The values of env and file secrets (value secrets are registered by config itself). */
export function resolveSecretValues(specs: readonly SecretSpec[], env: NodeJS.ProcessEnv): SecretValues {
  const values: string[] = [];
  const skipped: string[] = [];
  for (const spec of specs) {
    if (spec.kind === 'env') {
      const value = env[spec.env];
      if (value) values.push(value);
    } else if (spec.kind === 'file') {
      try {
        const size = fs.statSync(spec.path).size;
        if (size > MAX_SECRET_FILE_BYTES) skipped.push(`secret ${spec.id}: ${spec.path} is ${size} bytes, over ${MAX_SECRET_FILE_BYTES}; its contents are not redacted from the report`);
        else values.push(fs.readFileSync(spec.path, 'utf8'));
      } catch (err) {
        skipped.push(`secret ${spec.id}: cannot read ${spec.path} (${(err as Error).message})`);
      }
    }
  }
  return { values, skipped };
}
