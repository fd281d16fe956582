// Reading BuildKit's plain progress for `npm run bench:cache`: which Dockerfile steps came from
// cache, how long a RUN took, and what the bench's `go build -v` wrapper printed.

/**
 * One leg's log as the action prints it: the `::group::Leg <platform> (<strategy>) built in …`
 * group of the main step's stdout.
 */
export function legLog(stdout, platform) {
  const start = stdout.indexOf(`::group::Leg ${platform} (`);
  if (start < 0) throw new Error(`no log group for the ${platform} leg`);
  const end = stdout.indexOf('::endgroup::', start);
  return stdout.slice(start, end < 0 ? undefined : end);
}

/**
 * Dockerfile steps only: vertices titled `[stage k/n] …` (or `[k/n] …`). Left out: `[internal] …`
 * (loading the definition, the context, .dockerignore), `[context name] …` (resolving a named
 * context: the stack maps `FROM golang:1.19` to one, so FROM lines show up only as these), and
 * untitled vertices (cache import/export, image export). BuildKit never reports those as CACHED,
 * so counting them would cap the ratio below 100 % for a fully cached build.
 *
 * A step can show up as more than one vertex: when two builds run at once (the legs) and share
 * vertices, or when an imported cache holds the step under another vertex digest, the log has
 * e.g. `#6 [build 2/5] COPY go.mod ./` DONE and `#13 [build 2/5] COPY go.mod ./` CACHED. Steps
 * are counted by title, and a step counts as cached only when none of its vertices ran (every
 * one reports CACHED): what matters is whether the work was done again.
 */
export function dockerfileSteps(log) {
  const titleOf = new Map();
  const cached = new Set();
  for (const line of log.split('\n')) {
    const m = /^#(\d+) \[((?:[^\]\s]+\s+)?\d+\/\d+)\] (.*)$/.exec(line);
    if (m && !titleOf.has(m[1])) titleOf.set(m[1], `[${m[2]}] ${m[3].length > 100 ? m[3].slice(0, 97) + '…' : m[3]}`);
    const c = /^#(\d+) CACHED\s*$/.exec(line);
    if (c) cached.add(c[1]);
  }
  const steps = new Map(); // title → { vertices, ran }
  for (const [id, title] of titleOf) {
    const st = steps.get(title) ?? { vertices: 0, ran: 0 };
    st.vertices++;
    if (!cached.has(id)) st.ran++;
    steps.set(title, st);
  }
  const all = [...steps.entries()];
  return {
    steps: all.length,
    cached: all.filter(([, st]) => st.ran === 0).length,
    uncachedSteps: all.filter(([, st]) => st.ran > 0).map(([t]) => t),
    /** Vertices beyond one per step (see above). */
    extraVertices: titleOf.size - all.length
  };
}

/** BuildKit's own duration (`#N DONE 12.3s`) of the first Dockerfile step whose title matches `re`; null when cached or absent. */
export function stepSeconds(log, re) {
  let id;
  for (const line of log.split('\n')) {
    const m = /^#(\d+) (\[.*)$/.exec(line);
    if (!id && m && re.test(m[2])) id = m[1];
    if (id) {
      const done = new RegExp(`^#${id} DONE (\\d+(?:\\.\\d+)?)s\\s*$`).exec(line);
      if (done) return Number(done[1]);
      if (new RegExp(`^#${id} CACHED\\s*$`).test(line)) return null;
    }
  }
  return null;
}

/**
 * What the bench's RUN printed: `mount-files-before: N` (files in the cache mount when the RUN
 * started) and one `go-build-v: <package>` per package `go build -v` compiled.
 */
export function goBuildFacts(log) {
  const before = /^#\d+ [\d.]+ mount-files-before: (\d+)$/m.exec(log);
  const packages = [...log.matchAll(/^#\d+ [\d.]+ go-build-v: (\S+)$/gm)].map((m) => m[1]);
  return {
    ran: !!before,
    filesBefore: before ? Number(before[1]) : null,
    packagesCompiled: before ? packages.length : null,
    runSeconds: stepSeconds(log, /\] RUN --mount=type=cache/)
  };
}

/** The `cache mount <id>: …` lines the action logs when it restores and saves. */
export function mountLines(stdout, id) {
  const esc = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const restored = new RegExp(`^cache mount ${esc}: restored (\\S+) \\((\\d+) files, ([\\d.]+ (?:KiB|MiB))\\)(, seeded into the builder)?$`, 'm').exec(stdout);
  const saved = new RegExp(`^cache mount ${esc}: saved (\\S+) \\((\\d+) files, ([\\d.]+ (?:KiB|MiB))\\)$`, 'm').exec(stdout);
  const other = new RegExp(`^cache mount ${esc}: (no cache yet|unchanged since|.* is already in the cache|not saved|empty after).*$`, 'gm');
  return {
    restoredKey: restored?.[1] ?? null,
    restoredFiles: restored ? Number(restored[2]) : null,
    restoredSize: restored?.[3] ?? null,
    seeded: !!restored?.[4],
    savedKey: saved?.[1] ?? null,
    savedFiles: saved ? Number(saved[2]) : null,
    savedSize: saved?.[3] ?? null,
    notes: [...stdout.matchAll(other)].map((m) => m[0])
  };
}

/** `::warning::…` / `::error::…` lines of a step's stdout. */
export function annotations(stdout, kind) {
  return stdout.split('\n').filter((l) => l.startsWith(`::${kind}::`) || l.startsWith(`::${kind} `));
}
