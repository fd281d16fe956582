// Where every benchmark's results live (bench/results/<name>.json and .md), and the one writer.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: bench/lib/ is two levels down. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

/** `{ json, md }` for a benchmark: bench/results/<name>.*, or `<prefix>.*` when one is given. */
export function resultFiles(name, prefix) {
  const base = prefix ? path.resolve(prefix) : path.join(RESULTS_DIR, name);
  return { json: `${base}.json`, md: `${base}.md` };
}

/** The last run's results (a section not re-run this time keeps them), or {} for a first run. */
export function readPrevious(files) {
  return fs.existsSync(files.json) ? JSON.parse(fs.readFileSync(files.json, 'utf8')) : {};
}

/** Write the results as JSON and as markdown side by side; returns the paths, relative to the root. */
export function writeResults(files, results, markdown) {
  fs.mkdirSync(path.dirname(files.json), { recursive: true });
  fs.writeFileSync(files.json, JSON.stringify(results, null, 2) + '\n');
  fs.writeFileSync(files.md, markdown);
  return [files.json, files.md].map((f) => path.relative(ROOT, f));
}
