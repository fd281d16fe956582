/** The `plan` mode's `matrix` output, as a workflow's `strategy.matrix` reads it. */

/** A runner as `runs-on` takes it: one label, or every label a self-hosted runner must have. */
export type RunnerSpec = string | string[];

export interface MatrixEntry {
  platform: string;
  runner: RunnerSpec;
}

/** `{"include":[{"platform":"linux/amd64","runner":"ubuntu-24.04"},…]}`. */
export interface Matrix {
  include: MatrixEntry[];
}
