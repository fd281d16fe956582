/** Config from a table of inputs, in a given workspace, for the input-validation tests. */
import * as os from 'node:os';
import { resolveConfig } from '../../src/config.js';
import { InputError } from '../../src/input-error.js';

/** configOf resolves inputs (collecting warnings when asked); errorOf expects an InputError. */
export function configIn(workspace: () => string) {
  const configOf = (inputs: Record<string, string>, warnings: string[] = []) =>
    resolveConfig((name) => inputs[name] ?? '', { workspace: workspace(), tempDir: os.tmpdir(), onSecret: () => undefined, onWarning: (w) => warnings.push(w) });
  const errorOf = (inputs: Record<string, string>): InputError => {
    try {
      configOf(inputs);
    } catch (err) {
      if (err instanceof InputError) return err;
      throw err;
    }
    throw new Error('expected an InputError');
  };
  return { configOf, errorOf };
}
