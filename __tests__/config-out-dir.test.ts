import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { configIn } from './helpers/config.js';

let workspace: string;
beforeAll(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-out-'));
  fs.mkdirSync(path.join(workspace, 'app'));
  fs.writeFileSync(path.join(workspace, 'app', 'Dockerfile'), 'FROM busybox\n');
  fs.mkdirSync(path.join(workspace, 'multiarch-out'));
  fs.writeFileSync(path.join(workspace, 'multiarch-out', 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.mkdirSync(path.join(workspace, 'src'));
  fs.writeFileSync(path.join(workspace, 'src', 'main.go'), 'package main\n');
});
afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

const { configOf, errorOf } = configIn(() => workspace);

test.each<[string, string, RegExp]>([
  ['the workspace', '.', /^Input "outputs": "\." is the workspace; .*\(expected type=oci,dest=DIR, DIR a new or empty directory or an existing OCI layout/],
  ['the workspace, absolute', '__WS__', /"__WS__" is the workspace/],
  ['the context', 'app', /"app" is the build context/],
  ['an ancestor of the workspace', '..', /"\.\." contains the workspace/],
  ['/', '/', /"\/" is the filesystem root \//],
  ['$HOME', os.homedir(), /is \$HOME|contains the workspace/],
  ['a non-empty directory that is not a layout', 'src', /"src" is a non-empty directory that is not an OCI layout \(no oci-layout file\)/]
])('outputs type=oci,dest= %s is refused', (_name, dest, message) => {
  const d = dest.replace('__WS__', workspace);
  const err = errorOf({ context: 'app', outputs: `type=oci,dest=${d}` });
  expect(err.input).toBe('outputs');
  expect(err.message).toMatch(new RegExp(message.source.replace('__WS__', workspace.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))));
});

test('the default multiarch-out, an existing layout, and a new directory are allowed', () => {
  expect(configOf({ context: 'app' }).outDir).toBe(path.join(workspace, 'multiarch-out'));
  expect(configOf({ context: 'app', outputs: 'type=oci,dest=multiarch-out' }).outDir).toBe(path.join(workspace, 'multiarch-out'));
  expect(configOf({ context: 'app', outputs: 'type=oci,dest=build/image' }).outDir).toBe(path.join(workspace, 'build/image'));
});
