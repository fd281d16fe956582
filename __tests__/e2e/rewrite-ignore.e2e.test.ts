/**
 * The cross-compile rewrite builds from a copy of the Dockerfile in the run directory. BuildKit
 * reads `<Dockerfile>.dockerignore` beside the Dockerfile before the context's `.dockerignore`,
 * so the copy must carry the user's ignore rules: files the user excluded never enter the build.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BASE_CONTEXTS, requireRegistry, requireStack, runAction } from './harness.js';
import { layersContain } from './layout-layers.js';

beforeAll(async () => {
  requireStack();
  await requireRegistry();
});

type IgnoreFile = 'Dockerfile.dockerignore' | '.dockerignore';

const MARKER = `MULTIARCH_IGNORED_${randomBytes(6).toString('hex')}`;

/**
 * examples/go-emulated (which the planner rewrites for linux/arm64), copying the whole context
 * into the build stage and the final image, plus an `.env` holding MARKER and a vendor/ whose
 * bogus modules.txt fails `go build` (Go defaults to -mod=vendor when vendor/ exists).
 */
function goContext(ignoreFile: IgnoreFile, withVendor: boolean): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'multiarch-ignore-'));
  for (const f of ['main.go', 'go.mod']) fs.copyFileSync(path.join('examples/go-emulated', f), path.join(dir, f));
  const dockerfile = fs
    .readFileSync('examples/go-emulated/Dockerfile', 'utf8')
    .replace('COPY *.go ./', 'COPY . ./')
    .replace('COPY --from=build /out/hello /usr/local/bin/hello', 'COPY --from=build /out/hello /usr/local/bin/hello\nCOPY --from=build /src /src');
  fs.writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
  fs.writeFileSync(path.join(dir, '.env'), `API_TOKEN=${MARKER}\n`);
  if (withVendor) {
    fs.mkdirSync(path.join(dir, 'vendor'));
    fs.writeFileSync(path.join(dir, 'vendor', 'modules.txt'), '# example.com/bogus v1.0.0\n## explicit\nexample.com/bogus\n');
  }
  fs.writeFileSync(path.join(dir, ignoreFile), '.env\nvendor/\n');
  return dir;
}

// Without vendor/ the rewritten leg builds either way, so only the marker shows a leak; with it, a
// leak fails the rewritten build (and the as-written fallback would hide that: hence `fallback`).
describe.each<[IgnoreFile, boolean]>([
  ['Dockerfile.dockerignore', true],
  ['Dockerfile.dockerignore', false],
  ['.dockerignore', true]
])('a rewritten Dockerfile keeps %s (vendor/: %s)', (ignoreFile, withVendor) => {
  let dir: string;
  let out: string;
  let run: Awaited<ReturnType<typeof runAction>>;

  beforeAll(async () => {
    dir = goContext(ignoreFile, withVendor);
    out = path.join(dir, '..', `${path.basename(dir)}-out`);
    run = await runAction({ network: 'host', 'build-contexts': BASE_CONTEXTS, platforms: 'linux/arm64', context: dir, outputs: `type=oci,dest=${out}`, 'cross-compile': 'auto' });
  }, 600_000);
  afterAll(() => {
    for (const d of [dir, out]) fs.rmSync(d, { recursive: true, force: true });
  });

  test('the step succeeds, and linux/arm64 was built from the rewrite, not the as-written fallback', () => {
    expect({ code: run.main.code, errors: run.main.stdout.split('\n').filter((l) => l.startsWith('::error')) }).toEqual({ code: 0, errors: [] });
    const plan = JSON.parse(run.main.outputs.plan ?? '{}') as { platforms?: { platform: string; rewrite: unknown; fallback: unknown }[] };
    const arm64 = plan.platforms?.find((p) => p.platform === 'linux/arm64');
    expect({ rewrite: arm64?.rewrite, fallback: arm64?.fallback }).toEqual({ rewrite: { kind: 'go', line: 3 }, fallback: null });
    expect(run.main.stdout).not.toMatch(/cross-compile rewrite failed/);
  });

  test('no layer holds the ignored files, and the rest of the context is there', () => {
    expect(layersContain(out, 'src/main.go')).toBe(true);
    expect(layersContain(out, MARKER)).toBe(false);
    expect(layersContain(out, 'src/.env')).toBe(false);
    expect(layersContain(out, 'src/vendor/')).toBe(false);
  });
});
