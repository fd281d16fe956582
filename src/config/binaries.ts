/** The binary-check inputs: how much of each image to read (`verify-binaries`) and the deliberate exceptions (`verify-ignore`). */
import { InputError } from '../input-error.js';
import type { Config } from '../types/config.js';
import { compileGlob } from '../verify/binaries/glob.js';

const SCOPES = ['all', 'entrypoint', 'off'] as const;

export function resolveBinaries(scope: string, ignore: string[]): Pick<Config, 'verifyBinaries' | 'verifyIgnore'> {
  if (!(SCOPES as readonly string[]).includes(scope)) {
    throw new InputError('verify-binaries', `"${scope}" is not allowed (expected one of: ${SCOPES.join(', ')})`);
  }
  for (const pattern of ignore) {
    try {
      compileGlob(pattern);
    } catch (err) {
      throw new InputError('verify-ignore', `${(err as Error).message} (expected globs of image paths, one per line or comma-separated, e.g. /opt/tools/** or *.node)`);
    }
  }
  return { verifyBinaries: scope as Config['verifyBinaries'], verifyIgnore: ignore };
}
