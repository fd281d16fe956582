// The Go service's build context for `npm run bench:strategy`: the Debian library packages it
// needs, a GOPATH tree with only the packages it imports, and a line count of what it compiles.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Debian bookworm packages whose import paths bench/go-service imports directly; apt brings
 * the rest of the graph (pflag, cast, afero, hcl, procfs, x/sys, x/text, genproto, …).
 */
export const PACKAGES = [
  'golang-github-spf13-cobra-dev',
  'golang-github-spf13-viper-dev',
  'golang-go.uber-zap-dev',
  'golang-gopkg-yaml.v3-dev',
  'golang-github-gorilla-mux-dev',
  'golang-github-prometheus-client-golang-dev',
  'golang-golang-x-net-dev',
  'golang-golang-x-sync-dev',
  'golang-google-grpc-dev',
  'golang-google-protobuf-dev',
  'golang-github-aws-aws-sdk-go-dev'
];
export const GOCODE = '/usr/share/gocode';
/** GOPATH import path of the service inside the context (src/catalog). */
export const SERVICE_IMPORT_PATH = 'catalog';

const installed = (p) =>
  spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed') ?? false;

/** Install the missing packages (root on Debian, as scripts/stack.sh does); returns what was there and what was added. */
export function ensurePackages(log) {
  const missing = PACKAGES.filter((p) => !installed(p));
  if (missing.length) {
    const canInstall = process.getuid?.() === 0 && fs.existsSync('/etc/debian_version') && spawnSync('apt-get', ['--version']).status === 0;
    if (!canInstall) throw new Error(`missing Debian packages (${missing.join(' ')}) and cannot install them: need root on Debian with apt-get`);
    log(`installing ${missing.length} package(s): ${missing.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const run = (args) => {
      const r = spawnSync('apt-get', args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
      if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${r.status})`);
    };
    run(['update', '-q']);
    // No /trixie suffix: bookworm's versions, the ones that build with Go 1.19.
    run(['install', '-y', '-q', '--no-install-recommends', ...missing]);
  }
  const versions = Object.fromEntries(
    PACKAGES.map((p) => [p, execFileSync('dpkg-query', ['-W', '-f=${Version}', p], { encoding: 'utf8' }).trim()])
  );
  return { packages: versions, installedNow: missing };
}

/**
 * `go list -deps` in GOPATH mode, in the golang image, for both target architectures and both
 * cgo settings (file sets differ): one row per package and configuration.
 */
function goList(image, serviceDir) {
  const tmpl =
    '{{.Standard}}\t{{.ImportPath}}\t{{.Dir}}\t{{join .GoFiles ","}}\t{{join .CgoFiles ","}}\t{{join .SFiles ","}}\t{{join .EmbedFiles ","}}';
  const script = ['amd64', 'arm64']
    .flatMap((arch) =>
      ['0', '1'].map((cgo) => `echo "== ${arch} ${cgo}"; GOOS=linux GOARCH=${arch} CGO_ENABLED=${cgo} go list -deps -f '${tmpl}' . || exit 1`)
    )
    .join('\n');
  const out = execFileSync(
    'docker',
    [
      'run', '--rm', '--network', 'none', '--platform', 'linux/amd64',
      '-e', 'GO111MODULE=off', '-e', 'GOPATH=/go:/gocode', '-e', 'GOFLAGS=',
      '-v', `${GOCODE}:/gocode:ro`, '-v', `${serviceDir}:/go/src/${SERVICE_IMPORT_PATH}:ro`,
      '-w', `/go/src/${SERVICE_IMPORT_PATH}`, image, 'sh', '-c', script
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, timeout: 300_000 }
  );
  const rows = [];
  let config = '';
  for (const line of out.split('\n')) {
    if (line.startsWith('== ')) {
      config = line.slice(3);
      continue;
    }
    if (!line.trim()) continue;
    const [std, importPath, dir, goFiles, cgoFiles, sFiles, embedFiles] = line.split('\t');
    const list = (s) => (s ? s.split(',') : []);
    rows.push({ config, standard: std === 'true', importPath, dir, goFiles: list(goFiles), cgoFiles: list(cgoFiles), other: [...list(sFiles), ...list(embedFiles)] });
  }
  if (!rows.length) throw new Error('go list -deps printed nothing');
  return rows;
}

/** Container path (/gocode/…, /go/src/catalog, /usr/lib/go-1.19/…) → host path, or undefined for the std sources (not on the host). */
function hostPath(dir, serviceDir) {
  if (dir.startsWith('/gocode/')) return path.join(GOCODE, dir.slice('/gocode/'.length));
  const svc = `/go/src/${SERVICE_IMPORT_PATH}`;
  if (dir === svc || dir.startsWith(svc + '/')) return path.join(serviceDir, dir.slice(svc.length));
  return undefined;
}

const countLines = (file) => {
  const text = fs.readFileSync(file, 'utf8');
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return text.length && !text.endsWith('\n') ? n + 1 : n;
};

/** Lines of the Go files compiled for one configuration ("arm64 0": GOARCH, CGO_ENABLED), by group; std lines counted in the image. */
function lineCounts(rows, config, serviceDir, image) {
  const pick = rows.filter((r) => r.config === config);
  const [arch, cgo] = config.split(' ');
  const result = { config: `linux/${arch}, CGO_ENABLED=${cgo}`, packages: { service: 0, libraries: 0, std: 0 }, lines: { service: 0, libraries: 0, std: 0 }, byRoot: {} };
  const stdFiles = [];
  for (const r of pick) {
    const files = [...r.goFiles, ...r.cgoFiles];
    if (r.standard) {
      result.packages.std++;
      for (const f of files) stdFiles.push(`${r.dir}/${f}`);
      continue;
    }
    const host = hostPath(r.dir, serviceDir);
    if (!host) throw new Error(`go list: unexpected package directory ${r.dir}`);
    const n = files.reduce((sum, f) => sum + countLines(path.join(host, f)), 0);
    const group = r.importPath === SERVICE_IMPORT_PATH ? 'service' : 'libraries';
    result.packages[group]++;
    result.lines[group] += n;
    if (group === 'libraries') {
      const root = repoRoot(r.importPath);
      result.byRoot[root] = (result.byRoot[root] ?? 0) + n;
    }
  }
  // Standard library: its sources are only in the image (golang-1.19-src), so count there.
  const wc = execFileSync(
    'docker',
    ['run', '--rm', '-i', '--network', 'none', '--platform', 'linux/amd64', image, 'sh', '-c', 'xargs cat | wc -l'],
    { input: stdFiles.join('\n') + '\n', encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 16 << 20, timeout: 120_000 }
  );
  result.lines.std = Number(wc.trim());
  result.lines.serviceAndLibraries = result.lines.service + result.lines.libraries;
  result.lines.total = result.lines.serviceAndLibraries + result.lines.std;
  result.byRoot = Object.fromEntries(Object.entries(result.byRoot).sort((a, b) => b[1] - a[1]));
  return result;
}

/** github.com/a/b/…, golang.org/x/a/…, google.golang.org/a/…, go.uber.org/a/…, gopkg.in/a/… → the repository root. */
function repoRoot(importPath) {
  const parts = importPath.split('/');
  if (parts[0] === 'github.com' || parts[0] === 'golang.org') return parts.slice(0, 3).join('/');
  return parts.slice(0, 2).join('/');
}

/**
 * Make the build context in `ctxDir`: src/catalog (the service's .go files) and src/<import
 * path> for every non-std package it reaches on either architecture, with every non-test file
 * of that package directory, symlinks dereferenced. Returns the line count and the copy's size.
 */
export function prepareContext({ serviceDir, ctxDir, image, log }) {
  const rows = goList(image, serviceDir);
  fs.rmSync(ctxDir, { recursive: true, force: true });
  // Keyed by directory, not import path: GOPATH mode's minimal module compatibility resolves
  // github.com/cespare/xxhash/v2 to …/xxhash (the directory whose go.mod declares /v2).
  const dirs = new Map();
  for (const r of rows) if (!r.standard) dirs.set(r.dir, r.importPath);
  let files = 0;
  let bytes = 0;
  for (const [dir, importPath] of dirs) {
    const from = hostPath(dir, serviceDir);
    if (!from) throw new Error(`go list: unexpected package directory ${dir}`);
    const rel = dir.startsWith('/gocode/src/') ? dir.slice('/gocode/src/'.length) : dir.replace(/^\/go\/src\//, '');
    const to = path.join(ctxDir, 'src', rel);
    fs.mkdirSync(to, { recursive: true });
    for (const name of fs.readdirSync(from)) {
      if (name.endsWith('_test.go')) continue;
      const src = path.join(from, name);
      const st = fs.statSync(src); // follows symlinks
      if (!st.isFile()) continue; // sub-directories are packages of their own (or testdata)
      if (importPath === SERVICE_IMPORT_PATH && !name.endsWith('.go')) continue; // not the Dockerfiles, README
      fs.copyFileSync(src, path.join(to, name));
      files++;
      bytes += st.size;
    }
  }
  // The arm64 leg cross-compiles with CGO_ENABLED=0; amd64 as written keeps Go's default (cgo on).
  // go.mod files above the packages too: GOPATH mode applies that /vN rule only to imports
  // from a tree with a go.mod (github.com/prometheus/client_golang/go.mod, not a package dir).
  for (const dir of dirs.keys()) {
    if (!dir.startsWith('/gocode/src/')) continue;
    const parts = dir.slice('/gocode/src/'.length).split('/');
    for (let i = parts.length - 1; i >= 1; i--) {
      const rel = parts.slice(0, i).join('/');
      const mod = path.join(GOCODE, 'src', rel, 'go.mod');
      const to = path.join(ctxDir, 'src', rel, 'go.mod');
      if (fs.existsSync(mod) && !fs.existsSync(to)) {
        fs.copyFileSync(mod, to);
        files++;
        bytes += fs.statSync(mod).size;
      }
    }
  }
  const counts = { arm64: lineCounts(rows, 'arm64 0', serviceDir, image), amd64: lineCounts(rows, 'amd64 1', serviceDir, image) };
  const c = counts.arm64.lines;
  log(
    `context ${ctxDir}: ${dirs.size} packages, ${files} files, ${(bytes / 2 ** 20).toFixed(1)} MiB; ` +
      `Go lines compiled for linux/arm64: service ${c.service}, libraries ${c.libraries}, std ${c.std}`
  );
  return { packages: dirs.size, files, bytes, counts };
}
