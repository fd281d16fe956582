/**
 * The `outputs` input, as BPA takes it (any buildx --output, several at once), resolved into what
 * the run pushes, loads, writes and verifies.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isBuildOnly } from '../src/config/outputs.js';
import { deliversImage } from '../src/verify/outcome.js';
import { configIn } from './helpers/config.js';

let workspace: string;
beforeAll(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-outputs-'));
  fs.mkdirSync(path.join(workspace, 'app'));
  fs.writeFileSync(path.join(workspace, 'app', 'Dockerfile'), 'FROM busybox\n');
  fs.mkdirSync(path.join(workspace, 'files', 'linux_amd64'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'main.go'), 'package main\n');
  fs.mkdirSync(path.join(workspace, 'notes'));
  fs.writeFileSync(path.join(workspace, 'notes', 'todo.txt'), 'x\n');
  fs.symlinkSync(path.join(workspace, 'main.go'), path.join(workspace, 'link.tar'));
});
afterAll(() => fs.rmSync(workspace, { recursive: true, force: true }));

const { configOf, errorOf } = configIn(() => workspace);

const w = (p: string) => path.join(workspace === undefined ? '' : workspace, p);

interface Resolved {
  push: boolean;
  tags: string[];
  exports: unknown[];
  /** The merged layout at outDir is a deliverable (else it is scratch, or not written). */
  keepLayout: boolean;
  /** Verification runs (the index exists somewhere), and failed checks fail the step. */
  verified: boolean;
  deliversImage: boolean;
}

describe('outputs specs → what is pushed, loaded, written and verified', () => {
  test.each<[string, Record<string, string>, (ws: string) => Resolved]>([
    ['none: the default layout', {}, (ws) => ({ push: false, tags: [], exports: [], keepLayout: true, verified: true, deliversImage: false })],
    ['type=registry with tags', { outputs: 'type=registry', tags: 'localhost:5000/a:1' }, () => ({ push: true, tags: ['localhost:5000/a:1'], exports: [{ type: 'image', names: [], push: true }], keepLayout: false, verified: true, deliversImage: true })],
    ['type=image,name=,push=true without tags: the name is the tag', { outputs: 'type=image,name=localhost:5000/a:1,push=true' }, () => ({ push: true, tags: ['localhost:5000/a:1'], exports: [{ type: 'image', names: ['localhost:5000/a:1'], push: true }], keepLayout: false, verified: true, deliversImage: true })],
    ['type=registry,name= quoted with two names', { outputs: 'type=registry,"name=localhost:5000/a:1,localhost:5000/a:2"' }, () => ({ push: true, tags: ['localhost:5000/a:1', 'localhost:5000/a:2'], exports: [{ type: 'image', names: ['localhost:5000/a:1', 'localhost:5000/a:2'], push: true }], keepLayout: false, verified: true, deliversImage: true })],
    ['type=image,name=a,b unquoted, names added to tags', { outputs: 'type=image,name=localhost:5000/a:1,localhost:5000/a:2,push=true', tags: 'localhost:5000/a:0' }, () => ({ push: true, tags: ['localhost:5000/a:0', 'localhost:5000/a:1', 'localhost:5000/a:2'], exports: [{ type: 'image', names: ['localhost:5000/a:1', 'localhost:5000/a:2'], push: true }], keepLayout: false, verified: true, deliversImage: true })],
    ['type=image,name= without push: tags on the image, nothing pushed', { outputs: 'type=image,name=localhost:5000/a:1' }, () => ({ push: false, tags: ['localhost:5000/a:1'], exports: [{ type: 'image', names: ['localhost:5000/a:1'], push: false }], keepLayout: false, verified: true, deliversImage: true })],
    ['type=oci,dest=DIR (today)', { outputs: 'type=oci,dest=out/x' }, (ws) => ({ push: false, tags: [], exports: [{ type: 'oci', dest: path.join(ws, 'out/x'), tar: false, names: [] }], keepLayout: true, verified: true, deliversImage: true })],
    ['type=oci,dest=FILE.tar', { outputs: 'type=oci,dest=image.tar' }, (ws) => ({ push: false, tags: [], exports: [{ type: 'oci', dest: path.join(ws, 'image.tar'), tar: true, names: [] }], keepLayout: false, verified: true, deliversImage: true })],
    ['type=oci,tar=true,dest=FILE', { outputs: 'type=oci,tar=true,dest=out/image' }, (ws) => ({ push: false, tags: [], exports: [{ type: 'oci', dest: path.join(ws, 'out/image'), tar: true, names: [] }], keepLayout: false, verified: true, deliversImage: true })],
    ['type=docker,name=', { outputs: 'type=docker,name=multiarch-e2e/app:1' }, () => ({ push: false, tags: [], exports: [{ type: 'docker', names: ['multiarch-e2e/app:1'] }], keepLayout: false, verified: true, deliversImage: true })],
    ['type=docker with no name loads under the tags', { outputs: 'type=docker', tags: 'localhost:5000/a:1' }, () => ({ push: false, tags: ['localhost:5000/a:1'], exports: [{ type: 'docker', names: ['localhost:5000/a:1'] }], keepLayout: false, verified: true, deliversImage: true })],
    ['type=docker,dest=FILE', { outputs: 'type=docker,name=app:1,dest=out/app.tar' }, (ws) => ({ push: false, tags: [], exports: [{ type: 'docker', names: ['app:1'], dest: path.join(ws, 'out/app.tar') }], keepLayout: false, verified: true, deliversImage: true })],
    ['type=local,dest=DIR: files only', { outputs: 'type=local,dest=files' }, (ws) => ({ push: false, tags: [], exports: [{ type: 'local', dest: path.join(ws, 'files') }], keepLayout: false, verified: true, deliversImage: false })],
    ['type=tar,dest=FILE: files only', { outputs: 'type=tar,dest=out/files.tar' }, (ws) => ({ push: false, tags: [], exports: [{ type: 'tar', dest: path.join(ws, 'out/files.tar') }], keepLayout: false, verified: true, deliversImage: false })],
    // buildx's shorthand, in BPA's own CI (provenance, sbom: `outputs: /tmp/buildx-build`).
    ['a bare path is type=local,dest=PATH', { outputs: 'out/bin' }, (ws) => ({ push: false, tags: [], exports: [{ type: 'local', dest: path.join(ws, 'out/bin') }], keepLayout: false, verified: true, deliversImage: false })],
    ['type=cacheonly: build only', { outputs: 'type=cacheonly' }, () => ({ push: false, tags: [], exports: [{ type: 'cacheonly' }], keepLayout: false, verified: false, deliversImage: false })],
    ['two outputs: push and a layout tar', { outputs: 'type=registry,name=localhost:5000/a:1\ntype=oci,dest=image.tar' }, (ws) => ({ push: true, tags: ['localhost:5000/a:1'], exports: [{ type: 'image', names: ['localhost:5000/a:1'], push: true }, { type: 'oci', dest: path.join(ws, 'image.tar'), tar: true, names: [] }], keepLayout: false, verified: true, deliversImage: true })],
    ['two outputs: a layout directory and files', { outputs: 'type=oci,dest=out/x\ntype=local,dest=files' }, (ws) => ({ push: false, tags: [], exports: [{ type: 'oci', dest: path.join(ws, 'out/x'), tar: false, names: [] }, { type: 'local', dest: path.join(ws, 'files') }], keepLayout: true, verified: true, deliversImage: true })]
  ])('%s', (_name, inputs, expected) => {
    const c = configOf({ context: 'app', ...inputs });
    expect({ push: c.push, tags: c.tags, exports: c.exports, keepLayout: c.keepLayout, verified: !isBuildOnly(c), deliversImage: deliversImage(c) }).toEqual(expected(workspace));
  });

  test('type=oci,dest=DIR keeps the layout at DIR', () => {
    expect(configOf({ context: 'app', outputs: 'type=oci,dest=out/x' }).outDir).toBe(w('out/x'));
  });

  test("push-by-digest=true (buildx's multi-runner pattern): pushed to the tags' repositories by digest, no tag moves, no warning", () => {
    const warnings: string[] = [];
    // BPA's docs spell it both ways: the repository in tags, or as the output's name.
    const inTags = configOf({ context: 'app', tags: 'localhost:5000/app', outputs: 'type=image,push-by-digest=true,name-canonical=true,push=true' }, warnings);
    expect({ push: inTags.push, tags: inTags.tags, pushByDigest: inTags.pushByDigest }).toEqual({ push: true, tags: ['localhost:5000/app'], pushByDigest: true });
    const asName = configOf({ context: 'app', outputs: 'type=image,"name=localhost:5000/app",push-by-digest=true,name-canonical=true,push=true' }, warnings);
    expect({ push: asName.push, tags: asName.tags, pushByDigest: asName.pushByDigest }).toEqual({ push: true, tags: ['localhost:5000/app'], pushByDigest: true });
    expect(warnings).toEqual([]);
    expect(configOf({ context: 'app', tags: 'localhost:5000/app', outputs: 'type=image,push-by-digest=false,push=true' }).pushByDigest).toBeUndefined();
    expect(errorOf({ context: 'app', tags: 'localhost:5000/app', outputs: 'type=image,push-by-digest=yes-please,push=true' }).message).toMatch(/push-by-digest=yes-please is not a boolean/);
  });

  test('keys multiarch does not apply warn, naming them', () => {
    const warnings: string[] = [];
    configOf({ context: 'app', outputs: 'type=image,name=localhost:5000/a:1,push=true,compression=zstd' }, warnings);
    expect(warnings).toEqual([expect.stringMatching(/outputs.*compression.*ignored/)]);
  });
});

describe('bad outputs: one InputError naming outputs and the expected form', () => {
  test.each<[string, string, RegExp]>([
    ['an unknown type', 'type=s3,bucket=x', /"type=s3,bucket=x" is not supported \(expected type=registry\|image\|docker\|oci\|local\|tar\|cacheonly/],
    ['no type', 'dest=x', /has no type \(expected type=/],
    ['type=local without dest', 'type=local', /type=local needs dest=DIR/],
    ['type=tar without dest', 'type=tar', /type=tar needs dest=FILE/],
    ['type=oci without dest', 'type=oci', /type=oci needs dest=/],
    ['a name with a digest', 'type=image,name=localhost:5000/a@sha256:' + 'a'.repeat(64) + ',push=true', /digest/],
    ['push=maybe', 'type=image,name=localhost:5000/a:1,push=maybe', /push=maybe.*expected true or false/],
    ['type=local into the workspace', 'type=local,dest=.', /"\." is the workspace/],
    ['type=local into a directory of other files', 'type=local,dest=notes', /"notes" is a non-empty directory that is not an earlier output \(one directory per platform/],
    ['type=tar over a source file', 'type=tar,dest=main.go', /"main\.go" is a file that is not a tar archive/],
    ['type=oci,tar=true over a directory', 'type=oci,tar=true,dest=notes', /"notes" is a directory, not a file/],
    ['type=docker,dest= over a symlink', 'type=docker,dest=link.tar', /"link\.tar" is not a regular file/],
    ['type=oci,dest=DIR into the workspace', 'type=oci,dest=.', /"\." is the workspace/],
    ['`-` (a tar on stdout, in buildx)', '-', /"-": a tar on standard output cannot be delivered by a step \(expected a path, or type=tar,dest=FILE\)/],
    ['a bare path into the workspace', '.', /"\." is the workspace/]
  ])('%s', (_name, outputs, message) => {
    const err = errorOf({ context: 'app', outputs });
    expect(err.input).toBe('outputs');
    expect(err.message).toMatch(message);
  });

  test('files and cache outputs are refused in mode leg (the legs run on other machines)', () => {
    const err = errorOf({ context: 'app', mode: 'leg', platforms: 'linux/amd64', push: 'true', tags: 'localhost:5000/a:1', outputs: 'type=local,dest=files' });
    expect(err.input).toBe('outputs');
    expect(err.message).toMatch(/mode leg.*expected type=registry or type=image,push=true/);
  });
});
