/** The smoke-test inputs: the arguments to run each platform's image with, what to expect, and for how long. */
import { InputError } from '../input-error.js';
import type { Config } from '../types/config.js';
import { splitWords } from '../verify/smoke-run.js';

export function resolveSmoke(command: string, expect: string, timeout: string): Config['smoke'] {
  // Checked even without smoke-test: a typo should not wait for the day the test is switched on.
  if (!/^[1-9][0-9]{0,5}$/.test(timeout)) throw new InputError('smoke-test-timeout', `"${timeout}" is not a whole number of seconds (expected 1 to 999999, e.g. 120)`);
  if (!command) {
    if (expect) throw new InputError('smoke-test-expect', 'is set but smoke-test is empty (expected smoke-test to name the arguments to run the image with, e.g. --version)');
    return undefined;
  }
  let args: string[];
  try {
    args = splitWords(command);
  } catch (err) {
    throw new InputError('smoke-test', `${(err as Error).message} (expected arguments for the image, e.g. --version or "sh -c 'uname -m'")`);
  }
  let re: RegExp | undefined;
  if (expect) {
    try {
      re = new RegExp(expect);
    } catch (err) {
      throw new InputError('smoke-test-expect', `"${expect}" is not a valid regular expression (${(err as Error).message})`);
    }
  }
  return { args, expect: re, timeoutSeconds: Number(timeout) };
}
