/** Inputs' one error type, apart from config.ts so that modules config.ts uses can throw it too. */

/** A bad input: the message names the input and the expected form, and no leg has started. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string
  ) {
    super(`Input "${input}": ${message}`);
    this.name = 'InputError';
  }
}
