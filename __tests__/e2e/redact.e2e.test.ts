/**
 * Secrets never leave through a channel the runner does not mask. A leg prints its build
 * secrets (a value, a secret-env and a secret-file) and their base64, then fails; the action
 * still writes its summary, outputs, PR check and (mode leg) leg-record artifact, and none of
 * them may hold a secret in any form. The runner's own log is secrets.e2e.test.ts's concern.
 *
 *   mode all, pull_request event: the check run goes to the fake GitHub API, which records it.
 *   mode leg: the record goes through the real @actions/artifact client to the results-service
 *   stand-in; its bytes are read back from Azurite and unzipped before they are searched.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { escapeMarkdown } from '../../src/report/escape.js';
import { FakeGitHub } from '../report/fake-github.js';
import { startResultsService, type ResultsService } from '../stack/results-service.js';
import { unzipEntries } from '../stack/zip.js';
import { BASE_CONTEXTS, REGISTRY, requireRegistry, requireStack, runAction, uniqueTag, type ActionRun } from './harness.js';

const nonce = randomBytes(6).toString('hex');
/** A `_` and quotes on purpose: markdown and JSON escape them, and an escaped secret is still one. */
const VALUE = `val_S3cr3t-${nonce}-"q"`;
const ENV_VALUE = `env_S3cr3t-${nonce}`;
const FILE_VALUE = `file_S3cr3t-${nonce}`;
const TOKEN = `ghs_${randomBytes(12).toString('hex')}`;
const HEAD = 'c'.repeat(40);

/** Every form a secret may take in what we search: as is, base64, JSON- and markdown-escaped. */
function forms(value: string): string[] {
  return [value, Buffer.from(value).toString('base64'), JSON.stringify(value).slice(1, -1), escapeMarkdown(value)];
}
const SECRETS: Record<string, string[]> = { secrets: forms(VALUE), 'secret-envs': forms(ENV_VALUE), 'secret-files': forms(FILE_VALUE), 'github-token': forms(TOKEN) };

let context: string;
let gh: FakeGitHub;
let results: ResultsService;
let all: ActionRun;
let leg: ActionRun;
const tag = uniqueTag('redact');
const ref = `${REGISTRY}/e2e/redact:${tag}`;

function inputs(mode: string): Record<string, string> {
  return {
    network: 'host',
    'build-contexts': BASE_CONTEXTS,
    platforms: 'linux/amd64',
    context: path.relative(process.cwd(), context),
    tags: ref,
    push: mode === 'leg' ? 'true' : 'false',
    mode,
    secrets: `x=${VALUE}`,
    'secret-envs': 'y=E2E_REDACT_ENV',
    'secret-files': `z=${path.join(context, 'secret.txt')}`,
    'no-cache': 'true'
  };
}

/** No proxy between the action and the loopback fakes. */
const NO_PROXY = { HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '', ALL_PROXY: '', all_proxy: '', NO_PROXY: '127.0.0.1,localhost' };

beforeAll(async () => {
  requireStack();
  await requireRegistry();
  context = fs.mkdtempSync(path.join(process.cwd(), '.tmp-redact-'));
  fs.writeFileSync(path.join(context, 'secret.txt'), `${FILE_VALUE}\n`);
  fs.writeFileSync(
    path.join(context, 'Dockerfile'),
    [
      'FROM busybox:1.35',
      // Prints every secret and its base64 into the build log, which the report carries.
      'RUN --mount=type=secret,id=x --mount=type=secret,id=y --mount=type=secret,id=z for s in x y z; do cat /run/secrets/$s; echo; base64 /run/secrets/$s; done; exit 1',
      ''
    ].join('\n')
  );
  const event = path.join(context, 'event.json');
  fs.writeFileSync(event, JSON.stringify({ pull_request: { number: 7, head: { sha: HEAD, repo: { fork: false } } } }));
  gh = await new FakeGitHub('octo', 'hello').start();
  results = await startResultsService();

  all = await runAction(
    { ...inputs('all'), 'github-token': TOKEN },
    { ...NO_PROXY, E2E_REDACT_ENV: ENV_VALUE, GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event, GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: 'octo/hello' }
  );
  leg = await runAction(inputs('leg'), { ...NO_PROXY, ...results.env, E2E_REDACT_ENV: ENV_VALUE, GITHUB_RUN_ID: String(5_000_000 + Math.floor(Math.random() * 1_000_000)), GITHUB_RUN_ATTEMPT: '1' });
}, 1_200_000);

afterAll(async () => {
  await gh?.stop();
  await results?.stop();
  if (context) fs.rmSync(context, { recursive: true, force: true });
});

/** Which secrets (by input) appear in `text`, in which form; [] when none. */
function leaks(text: string): string[] {
  return Object.entries(SECRETS).flatMap(([input, fs]) => fs.filter((f) => text.includes(f)).map((f) => `${input}: ${f}`));
}

test('mode all on a pull request: the build printed its secrets, and the summary, outputs and PR check hold none', () => {
  expect(all.main.code).not.toBe(0);
  // The precondition: the build did print every secret (the runner masks its log; this harness does not).
  for (const v of [VALUE, ENV_VALUE, FILE_VALUE]) expect(all.main.stdout).toContain(v);

  expect(all.main.summary).toContain('Build log for linux/amd64');
  expect(all.main.summary).toContain('***');
  expect({ summary: leaks(all.main.summary) }).toEqual({ summary: [] });
  expect(Object.keys(all.main.outputs)).toContain('platforms');
  expect({ outputs: leaks(JSON.stringify(all.main.outputs)) }).toEqual({ outputs: [] });

  const writes = gh.requests.filter((r) => r.method !== 'GET');
  expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /repos/octo/hello/check-runs']);
  const sent = JSON.stringify(writes.map((r) => r.body));
  expect(sent).toContain('Build log for linux/amd64');
  expect({ pr: leaks(sent) }).toEqual({ pr: [] });
  // The token did reach GitHub, where it belongs: in the Authorization header only.
  expect(writes[0]!.authorization).toBe(`token ${TOKEN}`);
}, 60_000);

test('mode leg: the leg-record artifact holds the failure and no secret', async () => {
  expect(leg.main.code).not.toBe(0);
  for (const v of [VALUE, ENV_VALUE, FILE_VALUE]) expect(leg.main.stdout).toContain(v);
  const artifact = results.artifacts.find((a) => a.finalized && a.name.includes(tag));
  expect(artifact).toBeDefined();
  const container = BlobServiceClient.fromConnectionString(results.storage.connectionString).getContainerClient('actions-results');
  const bytes = await container.getBlobClient(artifact!.blobName).downloadToBuffer();
  const text = [...unzipEntries(bytes).values()].map((b) => b.toString('utf8')).join('\n');
  const record = JSON.parse(text);
  expect(record).toMatchObject({ ok: false, platform: 'linux/amd64' });
  expect(record.logTail).toContain('***');
  expect({ artifact: leaks(text), raw: leaks(bytes.toString('latin1')) }).toEqual({ artifact: [], raw: [] });
  expect({ summary: leaks(leg.main.summary), outputs: leaks(JSON.stringify(leg.main.outputs)) }).toEqual({ summary: [], outputs: [] });
}, 60_000);
