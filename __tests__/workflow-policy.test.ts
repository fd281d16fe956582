/**
 * Supply-chain and privilege policy for everything under .github/: every third-party action is
 * pinned to a full commit SHA with its version in a comment (a tag can be moved, a SHA cannot;
 * the comment is what Dependabot and people read), and every job asks for the least it needs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

const WORKFLOWS = '.github/workflows';
const workflowFiles = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(WORKFLOWS, f));

interface UsesLine { file: string; line: number; ref: string; comment: string | undefined }

/** Every `uses:` in a workflow, with its trailing comment: jobs (reusable workflows) and steps. */
export function usesLines(text: string, file: string): UsesLine[] {
  const found: UsesLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const m = /^\s*(?:-\s+)?uses:\s*(["']?)([^\s"'#]+)\1\s*(?:#\s*(.*?))?\s*$/.exec(raw);
    if (m) found.push({ file, line: i + 1, ref: m[2]!, comment: m[3] });
  });
  return found;
}

/** The same `uses:` values, as the YAML parser reads them (so no form of `uses:` slips past the line scan). */
function parsedUses(text: string): string[] {
  const wf = parse(text) as { jobs?: Record<string, { uses?: string; steps?: { uses?: string }[] }> };
  return Object.values(wf.jobs ?? {}).flatMap((j) => [j.uses, ...(j.steps ?? []).map((s) => s.uses)]).filter((u): u is string => !!u);
}

const isLocal = (ref: string) => ref.startsWith('./') || ref.startsWith('docker://');

/** What is wrong with one `uses:` line, or null. */
export function pinProblem(u: UsesLine): string | null {
  if (isLocal(u.ref)) return null;
  const m = /^([\w.-]+\/[\w.-]+)(\/[\w./-]+)?@(.+)$/.exec(u.ref);
  if (!m) return `${u.ref} is not owner/repo[/path]@ref`;
  if (!/^[0-9a-f]{40}$/.test(m[3]!)) return `${u.ref} is not pinned to a full 40-hex commit SHA`;
  if (!u.comment || !/^v\d+(\.\d+){0,2}\b/.test(u.comment)) return `${u.ref} has no version comment (e.g. # v4.2.2)`;
  return null;
}

describe.each(workflowFiles)('%s', (file) => {
  const text = fs.readFileSync(file, 'utf8');
  const lines = usesLines(text, file);

  test('the line scan sees every uses: the YAML has', () => {
    expect(lines.map((u) => u.ref).sort()).toEqual(parsedUses(text).sort());
  });

  test('every third-party action is pinned to a commit SHA with a version comment', () => {
    expect(lines.map((u) => [`${u.file}:${u.line}`, pinProblem(u)]).filter(([, p]) => p)).toEqual([]);
  });
});

test('one action at one version: the same SHA always carries the same version comment', () => {
  const byAction = new Map<string, Set<string>>();
  for (const file of workflowFiles) {
    for (const u of usesLines(fs.readFileSync(file, 'utf8'), file).filter((x) => !isLocal(x.ref))) {
      const repo = u.ref.split('@')[0]!.split('/').slice(0, 2).join('/');
      const key = `${repo}@${u.ref.split('@')[1]}`;
      byAction.set(repo, (byAction.get(repo) ?? new Set()).add(`${key} # ${u.comment}`));
    }
  }
  for (const [repo, pins] of byAction) expect({ repo, pins: [...pins] }).toEqual({ repo, pins: [[...pins][0]] });
});

describe('the pin check catches', () => {
  test.each([
    ['a tag', '      - uses: actions/checkout@v4', /not pinned/],
    ['a short SHA', '      - uses: actions/checkout@11bd719 # v4.2.2', /not pinned/],
    ['a branch', '      - uses: docker/login-action@master', /not pinned/],
    ['a SHA without a version comment', '      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683', /no version comment/],
    ['a SHA with some other comment', '      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # latest', /no version comment/],
    ['a reusable workflow on a tag', '    uses: your-org/multiarch/.github/workflows/multiarch.yml@v1', /not pinned/],
    ['a quoted tag', '      - uses: "actions/setup-node@v4"', /not pinned/]
  ])('%s', (_, line, problem) => {
    const [u] = usesLines(line, 'x.yml');
    expect(u).toBeDefined();
    expect(pinProblem(u!)).toMatch(problem);
  });

  test.each([
    ['a pinned action', '      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2'],
    ['a pinned action in a subdirectory', '      - uses: github/codeql-action/init@662472033e021d55d94146f66f6058822b0b39fd # v3.27.0'],
    ['the checkout itself', '      - uses: ./'],
    ['a local reusable workflow', '    uses: ./.github/workflows/multiarch.yml'],
    ['a docker image', '      - uses: docker://alpine:3.20']
  ])('and lets %s through', (_, line) => {
    expect(pinProblem(usesLines(line, 'x.yml')[0]!)).toBeNull();
  });
});

/**
 * Every permission a job may write with, and why. A job that asks for more fails here; so does a
 * workflow whose top level grants more than `contents: read`.
 */
const WRITES: Record<string, Record<string, Record<string, string>>> = {
  'ci.yml': {
    reusable: { packages: 'the reusable workflow pushes to ghcr.io', checks: 'its merge job writes the PR check', 'pull-requests': 'or the sticky comment', 'id-token': 'its merge job signs (sign: auto)', attestations: 'and may attest: a caller grants what the called jobs ask for' }
  },
  'multiarch.yml': {
    build: { packages: 'legs push by digest' },
    merge: { packages: 'merge pushes the index and tags', checks: 'the PR check', 'pull-requests': 'the sticky comment fallback', 'id-token': 'the OIDC token Fulcio certifies (sign, attest)', attestations: 'writes GitHub artifact attestations (attest)' }
  },
  'release.yml': { release: { contents: 'creates the release and moves the major tag' } },
  'dependabot-dist.yml': { dist: { contents: "pushes the rebuilt dist/ to Dependabot's branch" } },
  'codeql.yml': { analyze: { 'security-events': 'uploads the CodeQL results' } }
};

describe.each(workflowFiles)('%s permissions', (file) => {
  const wf = parse(fs.readFileSync(file, 'utf8')) as { permissions?: unknown; jobs: Record<string, { permissions?: unknown }> };

  test('the top level grants nothing, or contents: read', () => {
    expect([{}, { contents: 'read' }]).toContainEqual(wf.permissions);
  });

  test.each(Object.keys(wf.jobs))('job %s writes only what it is allowed to', (job) => {
    const perms = wf.jobs[job]!.permissions;
    // With nothing at the top, a job that needs anything must say so itself.
    if (JSON.stringify(wf.permissions) === '{}' && perms === undefined) throw new Error(`${file} job ${job} has no permissions: block`);
    expect(typeof perms === 'string' ? perms : 'a map').toBe('a map'); // never read-all / write-all
    const writes = Object.entries((perms ?? {}) as Record<string, string>).filter(([, v]) => v === 'write').map(([k]) => k).sort();
    expect(writes).toEqual(Object.keys(WRITES[path.basename(file)]?.[job] ?? {}).sort());
  });
});

test('dependabot updates npm and the pinned actions weekly, grouped', () => {
  const cfg = parse(fs.readFileSync('.github/dependabot.yml', 'utf8')) as { version: number; updates: { 'package-ecosystem': string; directory: string; schedule: { interval: string }; groups?: Record<string, unknown> }[] };
  expect(cfg.version).toBe(2);
  expect(cfg.updates.map((u) => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm']);
  for (const u of cfg.updates) {
    expect(u.directory).toBe('/');
    expect(u.schedule.interval).toBe('weekly');
    expect(Object.keys(u.groups ?? {}).length).toBeGreaterThan(0);
  }
});
