/** The redactor: every form a secret leaks as is replaced, short values are left alone. */
import { MASK, MIN_SECRET_LENGTH, Redactor, encodedForms } from '../../src/report/redact.js';
import type { RunReport } from '../../src/types/plan.js';

const SECRET = 'bs-s3cr3t_value-$(id);"quoted"';

function redactor(...values: string[]): Redactor {
  const r = new Redactor();
  for (const v of values) r.add(v);
  return r;
}

test('the value itself, wherever it occurs', () => {
  const r = redactor(SECRET);
  expect(r.redact(`#8 0.21 ${SECRET}\nand again:${SECRET}.`)).toBe(`#8 0.21 ${MASK}\nand again:${MASK}.`);
});

test('base64 and base64url of the value, and of user:pass', () => {
  const r = redactor(SECRET, Buffer.from(`bob:${SECRET}`).toString('base64'));
  const b64 = Buffer.from(SECRET).toString('base64');
  expect(r.redact(`token ${b64} end`)).toBe(`token ${MASK} end`);
  expect(r.redact(Buffer.from(SECRET).toString('base64url'))).toBe(MASK);
  expect(r.redact(`Authorization: Basic ${Buffer.from(`bob:${SECRET}`).toString('base64')}`)).toBe(`Authorization: Basic ${MASK}`);
});

test.each([0, 1, 2, 5])('base64 of a longer text holding the value (%i bytes before it)', (before) => {
  const r = redactor(SECRET);
  const encoded = Buffer.from(`${'x'.repeat(before)}${SECRET}, and more after it`).toString('base64');
  const out = r.redact(encoded);
  expect(out).toContain(MASK);
  // What is left cannot be decoded back to the value.
  expect(Buffer.from(out.replace(MASK, ''), 'base64').toString('latin1')).not.toContain(SECRET.slice(4, -4));
});

test('JSON- and URL-escaped forms, as a serialised leg record holds them', () => {
  const r = redactor(SECRET);
  const json = JSON.stringify({ logTail: `#8 ${SECRET}\n` });
  expect(json).not.toContain(SECRET);
  expect(r.redact(json)).toBe(JSON.stringify({ logTail: `#8 ${MASK}\n` }));
  expect(r.redact(`https://x/?t=${encodeURIComponent(SECRET)}`)).toBe(`https://x/?t=${MASK}`);
});

test(`values under ${MIN_SECRET_LENGTH} characters are ignored, so digests and sizes stay readable`, () => {
  const r = redactor('1', 'abc', '');
  expect(r.size).toBe(0);
  expect(r.redact('sha256:abc1 1234 abc')).toBe('sha256:abc1 1234 abc');
});

test('each line of a multi-line secret (a key file) is redacted on its own, and the trimmed value', () => {
  const key = '-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----\n';
  const r = redactor(key);
  expect(r.redact('line: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC')).toBe(`line: ${MASK}`);
  expect(r.redact(`[${key.trim()}]`)).toBe(`[${MASK}]`);
});

test('a secret holding a shorter one is replaced whole', () => {
  const r = redactor('abcd', 'xxabcdyy');
  expect(r.redact('1 xxabcdyy 2 abcd')).toBe(`1 ${MASK} 2 ${MASK}`);
});

test('redactDeep copies the report with every string redacted, and leaves Buffers and numbers', () => {
  const r = redactor(SECRET);
  const bytes = Buffer.from('index');
  const report = {
    image: 'localhost:5000/app:1', tags: [], pushed: false, durationMs: 3,
    legs: [{ ok: false, error: `failed: ${SECRET}`, attestations: [], startedAt: 1, durationMs: 2 }],
    logs: { 'linux/amd64': `#8 ${SECRET}` },
    error: `leg linux/amd64 failed: ${SECRET}`,
    index: { digest: 'sha256:1', mediaType: 'x', size: 5, bytes, platforms: [], attestations: [] }
  } as unknown as RunReport;
  const safe = r.redactDeep(report);
  expect(JSON.stringify(safe)).not.toContain('s3cr3t');
  expect(safe.logs['linux/amd64']).toBe(`#8 ${MASK}`);
  expect(safe.index!.bytes).toBe(bytes);
  expect(safe.durationMs).toBe(3);
  expect(report.error).toContain(SECRET);
});

test('encodedForms never yields a form shorter than the value can stand for by chance', () => {
  for (const f of encodedForms('abcd')) expect(f.length).toBeGreaterThan(0);
});
