import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { refuseOutDir } from '../../src/build/out-dir.js';

let tmp: string;
let workspace: string;
let context: string;
let home: string;
beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'out-dir-')));
  home = path.join(tmp, 'home');
  workspace = path.join(home, 'work', 'repo');
  context = path.join(workspace, 'app');
  fs.mkdirSync(context, { recursive: true });
  fs.writeFileSync(path.join(context, 'Dockerfile'), 'FROM x\n');
  // An OCI layout an earlier run wrote, a stranger's directory, an empty one, a file.
  fs.mkdirSync(path.join(workspace, 'multiarch-out', 'blobs'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'multiarch-out', 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.mkdirSync(path.join(workspace, 'docs'));
  fs.writeFileSync(path.join(workspace, 'docs', 'README.md'), 'keep me\n');
  fs.mkdirSync(path.join(workspace, 'empty'));
  fs.writeFileSync(path.join(workspace, 'notes.txt'), 'keep me\n');
  fs.symlinkSync(workspace, path.join(tmp, 'link-to-workspace'));
  // A layout file planted in the workspace must not make the workspace replaceable.
  fs.writeFileSync(path.join(workspace, 'oci-layout'), '{}');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test.each<[string, () => string, string | undefined]>([
  ['the workspace', () => workspace, 'is the workspace'],
  ['the workspace, spelled with ..', () => path.join(context, '..'), 'is the workspace'],
  ['the workspace through a symlink', () => path.join(tmp, 'link-to-workspace'), 'is the workspace'],
  ['the context', () => context, 'is the build context'],
  ['an ancestor of the workspace', () => path.dirname(workspace), 'contains the workspace'],
  ['$HOME', () => home, 'contains the workspace'],
  ['/', () => '/', 'is the filesystem root /'],
  ['a non-empty directory that is not a layout', () => path.join(workspace, 'docs'), 'is a non-empty directory that is not an OCI layout (no oci-layout file)'],
  ['a file', () => path.join(workspace, 'notes.txt'), 'is a file, not a directory'],
  ['an existing OCI layout (multiarch-out)', () => path.join(workspace, 'multiarch-out'), undefined],
  ['an empty directory', () => path.join(workspace, 'empty'), undefined],
  ['a new directory', () => path.join(workspace, 'new', 'out'), undefined],
  ['a new directory outside the workspace', () => path.join(tmp, 'elsewhere'), undefined]
])('%s', (_name, dir, reason) => {
  expect(refuseOutDir(dir(), { workspace, context, home })).toBe(reason);
});

test('$HOME itself, when the workspace is elsewhere', () => {
  expect(refuseOutDir(home, { workspace: path.join(tmp, 'ws'), context: path.join(tmp, 'ws'), home })).toBe('is $HOME');
});

test('with no workspace or context known (the deletion-time guard), / and $HOME are still refused', () => {
  expect(refuseOutDir('/')).toBe('is the filesystem root /');
  expect(refuseOutDir(os.homedir())).toBe('is $HOME');
  expect(refuseOutDir(path.join(workspace, 'docs'))).toMatch(/not an OCI layout/);
});
