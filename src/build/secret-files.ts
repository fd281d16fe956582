/**
 * Secrets given by value are written to private files, passed to buildx as `--secret id=…,src=…`
 * and removed with the run directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SecretSpec } from '../types/config.js';

/** Keeps a file name well under NAME_MAX (255) whatever the id's length. */
const MAX_READABLE = 64;

/**
 * Write each value secret to its own file in `dir` (0700) and return id → file. The name is the
 * secret's position plus a readable form of its id: the position alone keeps names distinct (ids
 * `a b`, `a_b` and `a/b` sanitise alike, and one would otherwise overwrite another's value), and
 * the sanitised id never holds `/`, so a name cannot leave the directory.
 */
export function writeSecretFiles(secrets: readonly SecretSpec[], dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  secrets.forEach((s, i) => {
    if (s.kind !== 'value') return;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const readable = s.id.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, MAX_READABLE);
    const file = path.join(dir, `${i}-${readable}`);
    fs.writeFileSync(file, s.value, { mode: 0o600 });
    out[s.id] = file;
  });
  return out;
}
