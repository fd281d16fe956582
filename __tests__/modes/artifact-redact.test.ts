/**
 * A leg record is an artifact of the workflow run, readable by anyone who can read the run: its
 * bytes must hold no secret, whatever the leg's error and log tail printed. Through the real
 * @actions/artifact client and the results-service stand-in on Azurite; the archive is unzipped
 * and searched, since a compressed archive would hide a secret from a plain search of its bytes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { ArtifactHandoff } from '../../src/modes/artifact-handoff.js';
import { Redactor } from '../../src/report/redact.js';
import { LEG_RECORD_VERSION, type LegRecord } from '../../src/types/leg-record.js';
import { startResultsService, type ResultsService } from '../stack/results-service.js';
import { unzipEntries } from '../stack/zip.js';

const SECRET = 'leg-s3cret_"value"-1234';
const B64 = Buffer.from(SECRET).toString('base64');
let results: ResultsService;
let dir: string;
const saved = { ...process.env };

beforeAll(async () => {
  results = await startResultsService();
  Object.assign(process.env, results.env);
  delete process.env.GITHUB_SERVER_URL;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artifact-redact-'));
}, 120_000);
afterAll(async () => {
  process.env = saved;
  await results?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function artifactText(name: string): Promise<string> {
  const artifact = results.artifacts.find((a) => a.name === name && a.finalized);
  if (!artifact) throw new Error(`no finalized artifact ${name}`);
  const container = BlobServiceClient.fromConnectionString(results.storage.connectionString).getContainerClient('actions-results');
  const zip = await container.getBlobClient(artifact.blobName).downloadToBuffer();
  return [...unzipEntries(zip).values()].map((b) => b.toString('utf8')).join('\n');
}

test('a failed leg record is uploaded with its error and log tail redacted', async () => {
  const redactor = new Redactor();
  redactor.add(SECRET);
  const handoff = new ArtifactHandoff({ image: 'localhost:5000/app:1', dir, redact: (t) => redactor.redact(t) });
  const record: LegRecord = {
    version: LEG_RECORD_VERSION,
    image: 'localhost:5000/app:1',
    platform: 'linux/amd64',
    attempt: 1,
    ok: false,
    error: `leg linux/amd64 failed: ${SECRET}`,
    logTail: `#8 0.1 ${SECRET}\n#8 0.1 ${B64}\n`,
    attestations: [],
    repositories: [],
    startedAt: 1,
    durationMs: 2
  };
  const name = await handoff.publish(record);
  const text = await artifactText(name);
  expect(text).toContain('"logTail"');
  expect(text).toContain('***');
  for (const s of [SECRET, JSON.stringify(SECRET).slice(1, -1), B64]) expect(text).not.toContain(s);
  // What merge reads back is still a valid record.
  const collected = await handoff.collect(['linux/amd64']);
  expect(collected.records.get('linux/amd64')).toMatchObject({ ok: false, error: 'leg linux/amd64 failed: ***' });
});
