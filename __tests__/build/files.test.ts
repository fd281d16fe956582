/** type=local and type=tar: the legs' files laid out one directory per platform, guarded at the write. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveFilesDirName, writeFilesOutput } from '../../src/build/files.js';
import { InputError } from '../../src/input-error.js';

let tmp: string;
let root: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'files-out-'));
  root = path.join(tmp, 'run', 'files');
  for (const p of ['linux_amd64', 'linux_arm_v7']) {
    fs.mkdirSync(path.join(root, p, 'usr/local/bin'), { recursive: true });
    fs.writeFileSync(path.join(root, p, 'usr/local/bin/hello'), p);
    fs.symlinkSync('hello', path.join(root, p, 'usr/local/bin/hi'));
  }
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const platforms = ['linux/amd64', 'linux/arm/v7'];

test('platform directories are named as buildx names them', () => {
  expect(platforms.map(resolveFilesDirName)).toEqual(['linux_amd64', 'linux_arm_v7']);
});

test('type=local replaces an earlier output with one directory per platform, links kept', async () => {
  const dest = path.join(tmp, 'out');
  fs.mkdirSync(path.join(dest, 'linux_s390x'), { recursive: true });
  await writeFilesOutput({ type: 'local', dest }, root, platforms);
  expect(fs.readdirSync(dest).sort()).toEqual(['linux_amd64', 'linux_arm_v7']);
  expect(fs.readFileSync(path.join(dest, 'linux_arm_v7/usr/local/bin/hello'), 'utf8')).toBe('linux_arm_v7');
  expect(fs.readlinkSync(path.join(dest, 'linux_amd64/usr/local/bin/hi'))).toBe('hello');
});

test('type=local refuses, at the write, a directory that came to hold other files', async () => {
  const dest = path.join(tmp, 'out');
  fs.mkdirSync(dest);
  fs.writeFileSync(path.join(dest, 'notes.txt'), 'mine');
  await expect(writeFilesOutput({ type: 'local', dest }, root, platforms)).rejects.toThrow(InputError);
  expect(fs.readFileSync(path.join(dest, 'notes.txt'), 'utf8')).toBe('mine');
});

test('type=tar writes one tar with a directory per platform', async () => {
  const dest = path.join(tmp, 'sub', 'files.tar');
  await writeFilesOutput({ type: 'tar', dest }, root, platforms);
  const entries = execFileSync('tar', ['-tf', dest], { encoding: 'utf8' }).split('\n');
  expect(entries).toEqual(expect.arrayContaining(['linux_amd64/usr/local/bin/hello', 'linux_arm_v7/usr/local/bin/hi']));
});

test('type=tar refuses, at the write, a file that is not a tar', async () => {
  const dest = path.join(tmp, 'main.go');
  fs.writeFileSync(dest, 'package main\n');
  await expect(writeFilesOutput({ type: 'tar', dest }, root, platforms)).rejects.toThrow(/is a file that is not a tar archive/);
  expect(fs.readFileSync(dest, 'utf8')).toBe('package main\n');
});

test('a leg that exported no files is an error, not a half-written output', async () => {
  await expect(writeFilesOutput({ type: 'local', dest: path.join(tmp, 'out') }, root, ['linux/arm64'])).rejects.toThrow(/linux_arm64 leg exported no files/);
  expect(fs.existsSync(path.join(tmp, 'out'))).toBe(false);
});
