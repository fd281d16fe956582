/** The planner's public surface: decide() and the helpers the pipeline, CLI and README use. */
export { decide, type DecideInput } from './decide.js';
export { toPlanJson, type PlanJson } from './json.js';
export { resolveCacheScope } from './cache-scope.js';
export { contextFromMap, readContextFiles, type ContextFiles } from './context.js';
export { LANGUAGES, renderLanguageTable, type Language, type LanguageProfile } from './languages.js';
export { unifiedDiff } from './diff.js';
export type { BuilderNode } from './native.js';
