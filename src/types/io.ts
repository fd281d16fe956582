/**
 * The edges: how the pipeline talks to a runner or a terminal. Used by the pipeline, its modes
 * and its stages alike, so it lives below all of them and the imports run one way.
 */
export interface Io {
  info(message: string): void;
  warning(message: string, where?: { file: string; line: number }): void;
  /** Runs fn inside a collapsible log group (a runner) or under a heading (a terminal). */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  secret(value: string): void;
  /** Remembers a builder this run created, so cleanup can remove exactly that. */
  createdBuilder(name: string): void;
}
