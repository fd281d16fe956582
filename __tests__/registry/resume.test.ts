/** ResumingBody, the retry logic alone: bodies that fail part-way, re-opened from the offset read. */
import { Readable } from 'node:stream';
import { ResumingBody, type ReopenedBody } from '../../src/registry/resume.js';

const policy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
const data = Buffer.from('0123456789abcdefghij');
const reset = (): Error => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

/** A body yielding data[start..] and failing with `err` after `cut` bytes (all of it when cut is undefined). */
function body(start: number, cut?: number, err: () => Error = reset): Readable {
  const bytes = data.subarray(start, cut === undefined ? undefined : start + cut);
  return Readable.from(
    (async function* () {
      for (let i = 0; i < bytes.length; i += 3) yield bytes.subarray(i, i + 3);
      if (cut !== undefined) throw err();
    })(),
    { objectMode: false }
  );
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('re-opens from the offset passed on, until the body ends', async () => {
  const offsets: number[] = [];
  const cuts = [4, 7];
  const r = new ResumingBody(body(0, 5), async (offset) => {
    offsets.push(offset);
    return { body: body(offset, cuts.shift()), start: offset };
  }, policy);
  expect((await readAll(r)).toString()).toBe(data.toString());
  expect(offsets).toEqual([5, 9, 16]);
  expect(r.opened).toBe(4);
});

test('a re-open answered from byte 0 (Range ignored) drops what was already passed on', async () => {
  const r = new ResumingBody(body(0, 8), async (): Promise<ReopenedBody> => ({ body: body(0), start: 0 }), policy);
  expect((await readAll(r)).toString()).toBe(data.toString());
});

test('gives up after the policy attempts, with the last error and the count', async () => {
  const r = new ResumingBody(body(0, 2), async (offset) => ({ body: body(offset, 1), start: offset }), policy);
  await expect(readAll(r)).rejects.toThrow('read ECONNRESET (after 4 attempts)');
});

test('a failure that is not transient is not retried', async () => {
  let reopened = 0;
  const r = new ResumingBody(body(0, 2, () => new Error('unexpected end of file')), async (offset) => {
    reopened++;
    return { body: body(offset), start: offset };
  }, policy);
  await expect(readAll(r)).rejects.toThrow(/^unexpected end of file$/);
  expect(reopened).toBe(0);
});

test('a failed re-open request is retried within the same budget', async () => {
  let calls = 0;
  const r = new ResumingBody(body(0, 3), async (offset) => {
    calls++;
    if (calls === 1) throw reset();
    return { body: body(offset), start: offset };
  }, policy);
  expect((await readAll(r)).toString()).toBe(data.toString());
  expect(calls).toBe(2);
});

test('a resume past the bytes read is refused', async () => {
  const r = new ResumingBody(body(0, 3), async () => ({ body: body(10), start: 10 }), policy);
  await expect(readAll(r)).rejects.toThrow('the registry resumed the blob at byte 10, past the 3 bytes read');
});

test('a reader that stops early while a re-open waits: nothing is re-opened after', async () => {
  let reopened = 0;
  const r = new ResumingBody(body(0, 3), async (offset) => {
    reopened++;
    return { body: body(offset), start: offset };
  }, { attempts: 4, baseDelayMs: 200, maxDelayMs: 200 });
  const it = r[Symbol.asyncIterator]();
  await it.next();
  r.destroy();
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(reopened).toBe(0);
});
