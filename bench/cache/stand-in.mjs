// The Actions cache control-plane stand-in (__tests__/stack/results-service.ts, with Azurite as
// the blob store) for a plain-Node benchmark: the test stack is TypeScript, so this registers
// module hooks that resolve its `./x.js` imports to `./x.ts` and transpile those files with the
// repository's own `typescript` (transpileModule: no type check; parameter properties and other
// non-erasable syntax are fine, unlike Node's built-in type stripping).
import * as fs from 'node:fs';
import * as nodeModule from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { ROOT } from '../lib/report.mjs';

const STACK_DIR = path.join(ROOT, '__tests__', 'stack') + path.sep;

let registered = false;

function register() {
  if (registered) return;
  if (typeof nodeModule.registerHooks !== 'function') {
    throw new Error(`Node ${process.version} has no module.registerHooks (Node >= 22.15 / 23.5): run \`npm run bench:cache\`, which uses the repository's Node 24`);
  }
  registered = true;
  const ours = (url) => url?.startsWith('file:') && fileURLToPath(url).startsWith(STACK_DIR);
  nodeModule.registerHooks({
    resolve(specifier, context, next) {
      if (ours(context.parentURL) && /^\.\.?\//.test(specifier) && specifier.endsWith('.js')) {
        const tsUrl = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
        if (fs.existsSync(fileURLToPath(tsUrl))) return { url: tsUrl.href, format: 'module', shortCircuit: true };
      }
      return next(specifier, context);
    },
    load(url, context, next) {
      if (ours(url) && url.endsWith('.ts')) {
        const file = fileURLToPath(url);
        const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
          fileName: file,
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false }
        });
        return { format: 'module', source: out.outputText, shortCircuit: true };
      }
      return next(url, context);
    }
  });
}

/** A module of the test stack (`__tests__/stack/<name>.ts`), e.g. 'git-server', loaded as the tests load it. */
export async function importStackModule(name) {
  register();
  return import(pathToFileURL(path.join(STACK_DIR, `${name}.ts`)).href);
}

/** startResultsService() from the test stack: `{ env, calls, cacheEntries, setUnavailable, stop, … }`. */
export async function startStandIn(opts) {
  return (await importStackModule('results-service')).startResultsService(opts);
}
