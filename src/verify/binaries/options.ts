/** The verification options a run's Config asks for: how far the binary checks go, and what they leave alone. */
import type { Config } from '../../types/config.js';
import type { VerifyOptions } from '../checks.js';
import { compileGlob } from './glob.js';

/** `verify-binaries`, `verify-ignore` and the smoke test's arguments → VerifyOptions (without the Dockerfile origin). */
export function verifyOptionsFor(config: Pick<Config, 'verifyBinaries' | 'verifyIgnore' | 'smoke'>): VerifyOptions {
  if (config.verifyBinaries === 'off') return { entrypoint: false };
  const smokeArgs = config.smoke?.args;
  return {
    entrypoint: true,
    binaries: { scope: config.verifyBinaries, ignore: config.verifyIgnore.map(compileGlob), ...(smokeArgs?.length ? { smokeArgs } : {}) }
  };
}
