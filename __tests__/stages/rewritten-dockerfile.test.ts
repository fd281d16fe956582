import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeRewrittenDockerfile } from '../../src/stages/rewritten-dockerfile.js';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rewritten-'));
  fs.mkdirSync(path.join(tmp, 'ctx', 'api'), { recursive: true });
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const run = () => path.join(tmp, 'run');

test('the copy carries <file>.dockerignore under its own name', () => {
  const original = path.join(tmp, 'ctx', 'api', 'app.Dockerfile');
  fs.writeFileSync(original, 'FROM x\n');
  fs.writeFileSync(`${original}.dockerignore`, '.env\nvendor/\n');
  const copy = writeRewrittenDockerfile(run(), original, 'FROM --platform=$BUILDPLATFORM x\n');
  expect(copy).toBe(path.join(run(), 'Dockerfile.multiarch'));
  expect(fs.readFileSync(copy, 'utf8')).toBe('FROM --platform=$BUILDPLATFORM x\n');
  expect(fs.readFileSync(path.join(run(), 'Dockerfile.multiarch.dockerignore'), 'utf8')).toBe('.env\nvendor/\n');
});

test('an empty <file>.dockerignore is copied too: it still overrides the context .dockerignore', () => {
  const original = path.join(tmp, 'ctx', 'Dockerfile');
  fs.writeFileSync(original, 'FROM x\n');
  fs.writeFileSync(`${original}.dockerignore`, '');
  writeRewrittenDockerfile(run(), original, 'FROM y\n');
  expect(fs.readFileSync(path.join(run(), 'Dockerfile.multiarch.dockerignore'), 'utf8')).toBe('');
});

test('without one, no ignore file sits beside the copy (BuildKit falls back to the context .dockerignore)', () => {
  const original = path.join(tmp, 'ctx', 'Dockerfile');
  fs.writeFileSync(original, 'FROM x\n');
  fs.writeFileSync(path.join(tmp, 'ctx', '.dockerignore'), '.env\n');
  fs.mkdirSync(run());
  fs.writeFileSync(path.join(run(), 'Dockerfile.multiarch.dockerignore'), 'stale\n');
  writeRewrittenDockerfile(run(), original, 'FROM y\n');
  expect(fs.readdirSync(run())).toEqual(['Dockerfile.multiarch']);
});
