/** Language detection from the context, and the bounded file walk that feeds it. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { contextFromMap, readContextFiles } from '../../src/plan/context.js';
import { detectContext } from '../../src/plan/language.js';

const detect = (files: Record<string, string>) => detectContext(contextFromMap(files));

test.each([
  [{ 'go.mod': '', 'main.go': '' }, ['go']],
  [{ 'Cargo.toml': '', 'src/main.rs': '' }, ['rust']],
  [{ 'build.zig': '' }, ['zig']],
  [{ 'src/App/App.csproj': '' }, ['dotnet']],
  [{ 'pom.xml': '' }, ['jvm']],
  [{ 'build.gradle.kts': '' }, ['jvm']],
  [{ 'CMakeLists.txt': '', 'src/main.cpp': '' }, ['c']],
  [{ Makefile: '', 'main.c': '' }, ['c']],
  [{ 'package.json': '{}' }, ['node']],
  [{ 'pyproject.toml': '' }, ['python']],
  [{ 'go.mod': '', Makefile: '' }, ['go']],
  [{ 'setup.py': '', 'ext/fast.c': '' }, ['python']],
  [{ 'third_party/x/y/go.mod': '' }, []]
])('%j → %j', (files, languages) => {
  expect(detect(files).languages).toEqual(languages);
});

describe('cgo', () => {
  test.each([
    ['import "C"', 'found'],
    ['import (\n\t"fmt"\n\t"C"\n)', 'found'],
    ['import "fmt"\n// import "C" in a comment is not cgo', 'none']
  ])('%j → %s', (source, cgo) => {
    expect(detect({ 'go.mod': '', 'x.go': `package x\n${source}\n` }).go.cgo).toBe(cgo);
  });

  test.each<[string, Record<string, string>, string]>([
    ['a go:build ignore generator printing import "C"', { 'gen.go': '//go:build ignore\n\npackage main\n\nconst t = `\nimport "C"\n`\n' }, 'none'],
    ['an old-style +build ignore file', { 'gen.go': '// +build ignore\n\npackage main\nimport "C"\n' }, 'none'],
    ['a file for another OS by name', { 'x_windows.go': 'package x\nimport "C"\n', 'y_aix_ppc64.go': 'package x\nimport "C"\n' }, 'none'],
    ['a file for other OSes by constraint', { 'x.go': '//go:build windows || darwin\n\npackage x\nimport "C"\n' }, 'none'],
    ['a linux file still counts', { 'x_linux.go': 'package x\nimport "C"\n' }, 'found'],
    ['a negated constraint still counts', { 'x.go': '//go:build !windows\n\npackage x\nimport "C"\n' }, 'found'],
    ['a linux-or-darwin constraint still counts', { 'x.go': '//go:build linux || darwin\n\npackage x\nimport "C"\n' }, 'found']
  ])('%s', (_name, files, cgo) => {
    expect(detect({ 'go.mod': '', ...files }).go.cgo).toBe(cgo);
  });

  test('test files do not count; a truncated walk proves nothing', () => {
    expect(detect({ 'go.mod': '', 'x_test.go': 'import "C"' }).go.cgo).toBe('none');
    expect(detectContext({ ...contextFromMap({ 'go.mod': '' }), complete: false }).go.cgo).toBe('unknown');
    expect(detectContext(undefined).go).toEqual({ cgo: 'unknown', evidence: 'there is no build context to scan' });
  });
});

describe('node native addons', () => {
  const lockWith = (pkg: object) => JSON.stringify({ packages: { '': {}, 'node_modules/x': pkg } });
  test.each([
    [{ 'package.json': '{}', 'binding.gyp': '' }, true, 'binding.gyp builds a native addon'],
    [{ 'package.json': '{"scripts":{"install":"node-gyp rebuild"}}' }, true, 'package.json has an install script'],
    [{ 'package.json': '{"scripts":{"postinstall":"husky install"}}', 'package-lock.json': lockWith({}) }, false, 'no dependency'],
    [{ 'package.json': '{}', 'package-lock.json': lockWith({ hasInstallScript: true }) }, true, 'x has an install script'],
    [{ 'package.json': '{}', 'package-lock.json': lockWith({ cpu: ['arm64'], optional: true }) }, true, 'x ships per-architecture binaries'],
    [{ 'package.json': '{}', 'yarn.lock': '' }, undefined, 'yarn.lock records no install scripts'],
    [{ 'package.json': '{}' }, undefined, 'there is no lockfile'],
    [{ 'package.json': '{}', 'package-lock.json': JSON.stringify({ lockfileVersion: 1, dependencies: {} }) }, undefined, 'lockfileVersion 1, which records no install scripts'],
    [{ 'package.json': '{}', 'package-lock.json': lockWith({ os: ['linux'] }) }, true, 'x ships per-OS binaries (os field'],
    [{ 'package.json': '{}', 'package-lock.json': JSON.stringify({ lockfileVersion: 3, packages: { '': {}, 'node_modules/sharp': { version: '0.33.0' } } }) }, true, 'sharp is published per platform'],
    [{ 'package.json': '{}', 'yarn.lock': '"@esbuild/linux-x64@0.20.2":\n  version "0.20.2"\n' }, true, '@esbuild/linux-x64 is published per platform (yarn.lock)'],
    [{ 'package.json': '{}', 'yarn.lock': '__metadata:\n  version: 8\n\n"@swc/core-linux-x64-gnu@npm:1.4.0":\n  version: 1.4.0\n  conditions: os=linux & cpu=x64 & libc=glibc\n' }, true, 'is only for os=linux & cpu=x64 & libc=glibc'],
    [{ 'package.json': '{}', 'pnpm-lock.yaml': "lockfileVersion: '6.0'\n\npackages:\n\n  /left-pad@1.3.0:\n    resolution: {integrity: sha512-x}\n    dev: false\n" }, false, 'no package in pnpm-lock.yaml runs a build script'],
    [{ 'package.json': '{}', 'pnpm-lock.yaml': "lockfileVersion: '6.0'\n\npackages:\n\n  /bcrypt@5.1.1:\n    resolution: {integrity: sha512-x}\n    requiresBuild: true\n" }, true, 'bcrypt@5.1.1 runs a build script (pnpm-lock.yaml)'],
    [{ 'package.json': '{}', 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n\npackages:\n\n  left-pad@1.3.0:\n    resolution: {integrity: sha512-x}\n" }, undefined, 'pnpm-lock.yaml (lockfile version 9) records no install scripts']
  ])('%j', (files, nativeAddons, evidence) => {
    const node = detect(files).node;
    expect(node.nativeAddons).toBe(nativeAddons);
    expect(node.evidence).toContain(evidence);
  });
});

test.each([
  [{ 'setup.py': 'setup(ext_modules=[Extension("x", ["x.c"])])' }, true],
  [{ 'pyproject.toml': '[build-system]\nrequires = ["maturin"]' }, true],
  [{ 'requirements.txt': '', 'fast.pyx': '' }, true],
  [{ 'requirements.txt': 'flask' }, false]
])('python compiled extensions %j → %s', (files, compiled) => {
  expect(detect(files).python.compiledExtensions).toBe(compiled);
});

describe('readContextFiles', () => {
  let dir: string;
  const write = (path: string, text = '') => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'multiarch-context-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('walks the context, skipping node_modules and .git, and reads lazily', () => {
    write('go.mod', 'module x');
    write('cmd/app/main.go', 'package main');
    write('node_modules/dep/binding.gyp');
    write('.git/HEAD');
    const files = readContextFiles(dir);
    expect([...files.paths].sort()).toEqual(['cmd/app/main.go', 'go.mod']);
    expect(files.read('go.mod')).toBe('module x');
    expect(files.read('missing')).toBeUndefined();
    expect(files.complete).toBe(true);
  });

  test('stops at its limits and says so', () => {
    write('a/b/c/d.go', 'package d');
    write('x.go');
    write('y.go');
    expect(readContextFiles(dir, { maxDepth: 2 })).toMatchObject({ complete: false });
    const few = readContextFiles(dir, { maxFiles: 1 });
    expect(few.paths).toHaveLength(1);
    expect(few.complete).toBe(false);
    expect(readContextFiles(dir, { maxFileBytes: 3 }).read('a/b/c/d.go')).toBeUndefined();
  });

  test('decide reads the context through contextDir', async () => {
    write('go.mod');
    write('db.go', 'package main\nimport "C"\n');
    const { decide } = await import('../../src/plan/decide.js');
    const p = decide({
      dockerfileText: 'FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n',
      dockerfilePath: 'Dockerfile',
      contextDir: dir,
      platforms: ['linux/arm64'],
      buildArgs: {},
      nativePlatforms: ['linux/amd64'],
      crossCompile: 'auto',
      image: 'app'
    });
    expect(p.platforms[0]!.strategy).toBe('emulated');
    expect(p.warnings[0]!.hint).toContain('db.go imports "C"');
  });
});
