// bench/results/cache.md from the results of `npm run bench:cache`.
import { ROOT } from '../lib/report.mjs';

const s = (ms) => (typeof ms === 'number' && Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '–');
const secs = (v) => (typeof v === 'number' && Number.isFinite(v) ? `${v.toFixed(1)} s` : '–');
const x = (v) => (typeof v === 'number' && Number.isFinite(v) ? `×${v.toFixed(2)}` : '–');
const bytes = (b) => (typeof b !== 'number' ? '–' : b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} KiB`);
const pct = (c, t) => (t ? `${Math.round((c / t) * 100)} %` : '–');
const code = (t) => `\`${String(t).replace(/`/g, "'")}\``;
/** An argv with the checkout's own path cut off: where the repository was unpacked is nobody's business. */
const relative = (argv) => String(argv).split(`${ROOT}/`).join('');

/** What the step counts say, in words: which steps ever re-ran, and whether a `RUN` (the compile) was among them. */
function readingA(examples) {
  const lines = [];
  for (const [, e] of Object.entries(examples)) {
    for (const [kind, label] of [['perPlatform', 'per-platform refs'], ['shared', 'the shared ref']]) {
      const v = e[kind];
      if (!v) continue;
      const builds = [...v.together.flatMap((t, i) => Object.entries(t.steps).map(([p, st]) => ({ p, st, how: `rebuild ${i + 1}, legs at once` }))), ...Object.entries(v.alone ?? {}).map(([p, st]) => ({ p, st, how: 'alone' }))];
      const runMissed = builds.filter((b) => b.st.uncachedSteps.some((t) => /\] RUN /.test(t)));
      const otherMissed = [...new Set(builds.flatMap((b) => b.st.uncachedSteps.filter((t) => !/\] RUN /.test(t))))];
      lines.push(
        `- ${e.label}, ${label}: ${builds.length} platform rebuilds; the \`RUN\` compile re-ran in ${runMissed.length}` +
          (runMissed.length ? ` (${runMissed.map((b) => `${b.p} ${b.how}: ${s(b.st.legMs ?? b.st.wallMs)}`).join('; ')})` : '') +
          (otherMissed.length ? `; other steps that re-ran at least once: ${otherMissed.map(code).join(', ')}` : '') +
          '.'
      );
    }
  }
  return lines.length ? ['**Reading it**:', '', ...lines, ''] : [];
}

export function renderMarkdown(r) {
  const out = [];
  const m = r.machine;
  out.push('# Cache benchmark: per-platform registry caches and cache mounts', '');
  out.push(
    `Generated ${r.generatedAt} by \`${r.command}\` (${s(r.durationMs)} in all). ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, kernel ${m.kernel}; ` +
      `dockerd ${m.docker}, ${m.buildx}, builder \`${m.builder}\` (driver \`${m.builderDriver}\`). Node ${m.node}. ` +
      `Action bundle: a copy of \`${m.bundle?.source}/\` (index.js ${bytes(m.bundle?.bytes)}, sha256 ${m.bundle?.sha256?.slice(0, 16)}…, newest file ${m.bundle?.newestFileAt})` +
      (m.bundle?.changedDuringRun ? `; note: ${m.bundle.changedDuringRun}` : '') +
      '.',
    ''
  );
  const c = r.conditions;
  if (c) {
    out.push(
      `**Conditions**: every build and prune ran holding \`flock ${c.lock.file}\` (waited ${s(c.lock.waitedMs)}); load average ${c.loadavgBefore.join(' / ')} before, ` +
        `${c.loadavgAfter.join(' / ')} after; whole-machine CPU busy while locked ${c.cpuBusyWhileLocked} % (this benchmark included). ` +
        `Cold = ${c.prune}.`,
      ''
    );
  }

  // ------------------------------------------------------------------ (a)
  out.push('## (a) Per-platform registry caches: Dockerfile steps cached on a rebuild after a prune', '');
  if (!r.registry) out.push('Not run.', '');
  else {
    if (r.registry.keptFromPreviousRun) out.push(`_Kept from the run of ${r.registry.generatedAt} (BENCH_CACHE_ONLY left this section out)._`, '');
    out.push(
      'Both platforms are built once exporting `type=registry,…,mode=max` caches, BuildKit\'s local cache is emptied (`docker buildx prune -af`), and the same source is rebuilt ' +
        'importing them. **Per-platform refs**: the action with `cache-from: type=registry,ref=R` / `cache-to: type=registry,ref=R,mode=max`, which it turns into `R-linux-amd64` and ' +
        '`R-linux-arm64` per leg. **Shared ref (control)**: plain `docker buildx build` per platform, run at once as the legs are, both with the same `R-shared` (what every leg gets ' +
        'without the suffixing). Steps counted from each leg\'s plain progress: Dockerfile steps only (`[stage k/n] …`), not `[internal]` or `[context …]` vertices (on this stack ' +
        '`FROM golang:1.19` / `FROM busybox:1.35` resolve through named contexts, so FROM lines show only as `[context …]`).',
      ''
    );
    const n = Object.values(r.registry.examples)[0]?.perPlatform?.together?.length ?? Object.values(r.registry.examples)[0]?.shared?.together?.length ?? 0;
    out.push(
      `Each rebuild follows a prune. **Legs at once**: both platforms together, as the action runs its legs (${n} rebuild${n === 1 ? '' : 's'}, one cell each). ` +
        '**One leg at a time**: the same with one platform per build (for the action, `platforms:` set to that one platform).',
      ''
    );
    out.push('| example | cache refs | platform | legs at once: cached / total Dockerfile steps | one leg at a time | leg time, legs at once | not cached (legs at once) |');
    out.push('| --- | --- | --- | --- | --- | --- | --- |');
    const cell = (st) => (st ? `${st.cached}/${st.steps}` : '–');
    for (const [, e] of Object.entries(r.registry.examples)) {
      let first = true;
      for (const [kind, label] of [['perPlatform', 'per platform (the action)'], ['shared', 'one shared ref (control, plain buildx)']]) {
        const v = e[kind];
        if (!v) {
          out.push(`| ${first ? e.label : ''} | ${label} | – | FAILED: ${String(e[`${kind}Error`] ?? '').split('\n')[0].slice(0, 160)} | | | |`);
          first = false;
          continue;
        }
        let firstRow = true;
        for (const p of Object.keys(v.first.steps)) {
          const at = v.together.map((t) => t.steps[p]);
          const ratio = at.reduce((a, st) => a + st.cached, 0) / Math.max(1, at.reduce((a, st) => a + st.steps, 0));
          const cells = at.map((st) => `**${cell(st)}**`).join(', ') + ` (${Math.round(ratio * 100)} %)`;
          const missed = [...new Set(at.flatMap((st) => st.uncachedSteps))];
          out.push(
            `| ${first ? e.label : ''} | ${firstRow ? label : ''} | ${p} | ${cells} | ${cell(v.alone?.[p])} | ${at.map((st) => s(st.legMs)).join(', ')} | ${missed.length ? missed.map(code).join('<br>') : '–'} |`
          );
          first = false;
          firstRow = false;
        }
      }
    }
    out.push('');
    const notes = [];
    for (const [, e] of Object.entries(r.registry.examples)) {
      const pp = e.perPlatform;
      if (pp) {
        const held = Object.entries(pp.refsInRegistry).map(([t, ok]) => `\`${t}\` ${ok ? 'present' : 'absent'}`).join(', ');
        notes.push(
          `${e.label}, per platform: after the first build the registry held ${held}. First build (exporting): main step ${s(pp.first.wallMs)}; ` +
            `rebuilds (legs at once): main step ${pp.together.map((t) => s(t.wallMs)).join(', ')}, legs ${pp.together.map((t) => s(t.legsSpanMs)).join(', ')}.`
        );
      }
      const sh = e.shared;
      if (sh) {
        const held = Object.entries(sh.refsInRegistry).map(([t, ok]) => `\`${t}\` ${ok ? 'present' : 'absent'}`).join(', ');
        const alone = sh.alone ? Object.entries(sh.alone).map(([p, a]) => `${p} ${s(a.wallMs)}`).join(', ') : '–';
        notes.push(
          `${e.label}, shared ref: the registry held ${held}; in the first build ${sh.exitOrder.join(' then ')} finished (the last export wins the tag). ` +
            `One leg at a time, each build re-exports to the shared ref, so the second platform imports the first one's cache; build times ${alone}. Argv: ${code(relative(sh.argv))}.`
        );
      }
    }
    if (notes.length) out.push(...notes.map((n) => `- ${n}`), '');
    out.push(...readingA(r.registry.examples));
  }

  // ------------------------------------------------------------------ (b)
  out.push('## (b) Cache mounts restored through the action: a rebuild from a cold BuildKit', '');
  if (!r.mounts) out.push('Not run.', '');
  else {
    if (r.mounts.keptFromPreviousRun) out.push(`_Kept from the run of ${r.mounts.generatedAt} (BENCH_CACHE_ONLY left this section out)._`, '');
    out.push(
      'The Dockerfile compiles with `RUN --mount=type=cache,id=<unique>,target=/root/.cache/go-build go build -v …` in a stage on `$BUILDPLATFORM` (Go cross-compiles; both legs ' +
        'share the mount). The action runs once with `cache-mounts: id=<unique>,target=/root/.cache/go-build` against the results-service + Azurite stand-in ' +
        '(`__tests__/stack`), cold, and saves the mount (**prime**). Then one source file changes (the next commit), and each of the two builds below starts from an empty ' +
        'BuildKit (`docker buildx prune -af`: no layer cache, no cache mounts): **with** = the action with `cache-mounts` and the stand-in (restore, seed, legs, extract, save), ' +
        'RUNNER_TEMP at the same path as the priming run (as on a runner: the cache version hashes the path); **without** = the action without `cache-mounts` and with no cache ' +
        'service (the mount starts empty). `push: false` both times. Times: the main step (spawn → exit), the legs (first leg start → last leg end, from the action\'s ' +
        '`platforms` output), the `Restore cache mounts` / `Save cache mounts` groups, and BuildKit\'s own duration of the `RUN go build` step.',
      ''
    );
    for (const [key, p] of Object.entries(r.mounts.projects)) {
      out.push(`### ${p.label ?? key}`, '');
      if (p.error) {
        out.push(`FAILED: ${code(p.error.split('\n')[0].slice(0, 300))}`, '');
        continue;
      }
      const w = p.summary.with;
      const wo = p.summary.without;
      const n = p.runs.with.length;
      out.push(
        `Edit between the priming run and the measured builds: ${p.edit}${n > 1 ? ' (a new edit before each with/without pair)' : ''}. ${n} build${n > 1 ? 's' : ''} each way` +
          `${n > 1 ? ' (medians, samples in brackets in run order; the order within a pair alternates, with first in odd rounds)' : ''}.`,
        ''
      );
      out.push('| | without restored mount | with restored mount | speed-up |');
      out.push('| --- | --- | --- | --- |');
      const samples = (med, xs) => (xs && xs.length > 1 ? `${s(med)} (${xs.map(s).join(', ')})` : s(med));
      out.push(`| **main step (whole action)** | ${samples(wo.wallMs, wo.wallSamplesMs)} | ${samples(w.wallMs, w.wallSamplesMs)} | **${x(p.speedups.wall)}** |`);
      out.push(`| legs (first leg start → last leg end) | ${samples(wo.legsSpanMs, wo.legsSpanSamplesMs)} | ${samples(w.legsSpanMs, w.legsSpanSamplesMs)} | ${x(p.speedups.legsSpan)} |`);
      out.push(`| restore group (lookup, download, untar, seed build) | – | ${s(w.restoreGroupMs)} | |`);
      out.push(`| save group (extract build, fingerprint, lookup, tar, upload) | – | ${s(w.saveGroupMs)} | |`);
      out.push(`| legs + restore + save | ${s(wo.legsSpanMs)} | ${s((w.legsSpanMs ?? 0) + (w.restoreGroupMs ?? 0) + (w.saveGroupMs ?? 0))} | ${x(p.speedups.legsSpanPlusRestoreAndSave)} |`);
      for (const pl of Object.keys(w.perPlatform)) {
        out.push(`| \`RUN go build\`, ${pl} (BuildKit) | ${secs(wo.perPlatform[pl].runSeconds)} | ${secs(w.perPlatform[pl].runSeconds)} | ${x(p.speedups.runStep[pl])} |`);
      }
      for (const pl of Object.keys(w.perPlatform)) {
        out.push(`| packages \`go build -v\` compiled, ${pl} | ${wo.perPlatform[pl].packagesCompiled ?? '–'} | ${w.perPlatform[pl].packagesCompiled ?? '–'} | |`);
      }
      const whole = (v) => (typeof v === 'number' ? String(Math.round(v)) : '–');
      out.push(`| files in the mount when the RUN started (${Object.keys(w.perPlatform).join(' / ')}) | ${Object.values(wo.perPlatform).map((v) => whole(v.filesBefore)).join(' / ')} | ${Object.values(w.perPlatform).map((v) => whole(v.filesBefore)).join(' / ')} | |`);
      out.push('');
      const pr = p.prime;
      const wr = p.runs.with[p.runs.with.length - 1];
      const facts = [
        `Prime (cold, empty cache): main step ${s(pr.wallMs)}, legs ${s(pr.legsSpanMs)}, save group ${s(pr.saveGroupMs)}; ` +
          (pr.mount.savedKey ? `saved ${pr.mount.savedFiles} files, ${pr.mount.savedSize} (archive in the cache: ${bytes(pr.mount.savedArchiveBytes)}) as ${code(pr.mount.savedKey)}.` : `not saved: ${pr.mount.notes.join('; ')}`),
        wr
          ? `With: ${wr.mount.restoredKey ? `restored ${wr.mount.restoredFiles} files, ${wr.mount.restoredSize}${wr.mount.seeded ? ', seeded into the builder' : ', NOT seeded'}` : `nothing restored (${wr.mount.notes.join('; ')})`}; ` +
            `after the build: ${wr.mount.savedKey ? `saved again as a new key (${wr.mount.savedFiles} files, ${wr.mount.savedSize}, archive ${bytes(wr.mount.savedArchiveBytes)})` : wr.mount.notes.filter((t) => !/restored|no cache yet/.test(t)).join('; ') || '–'}.`
          : ''
      ].filter(Boolean);
      out.push(...facts.map((f) => `- ${f}`));
      const others = (q) => {
        const c = q.during.cpu ?? {};
        const cs = (c.otherContainersCoreSec ?? 0) + (c.otherProcessesCoreSec ?? 0);
        return typeof c.othersShare === 'number' ? `, other users' processes and containers took ${Math.round(c.othersShare * 100)} % of the machine (${cs.toFixed(0)} core-s)` : '';
      };
      const idle = [...p.runs.with, ...p.runs.without]
        .sort((a, b) => a.round - b.round)
        .map((q) => `${q.way} (round ${q.round}): ${q.idleBefore.idle ? 'idle' : `not idle (CPU ${q.idleBefore.cpuBusy} %)`} before; other \`buildx build\` in ${q.during.samplesWithForeignBuilds}/${q.during.samples} samples, test/bench launchers in ${q.during.samplesWithOtherLaunchers}${others(q)}`);
      out.push(`- Machine around the measured builds: ${idle.join('; ')}.`, '');
      out.push('<details><summary>Dockerfile</summary>', '', '```dockerfile', p.dockerfile.trimEnd(), '```', '', '</details>', '');
    }
  }

  // ------------------------------------------------------------------ notes
  if (r.goService) {
    const l = r.goService.linesArm64;
    out.push(
      '## The go-service context',
      '',
      `bench/go-service assembled as by \`npm run bench:strategy\` (bench/lib/go-service.mjs): ${r.goService.context.packages} packages, ${r.goService.context.files} files, ` +
        `${bytes(r.goService.context.bytes)}; linux/arm64 compiles ${l.serviceAndLibraries.toLocaleString('en-US')} lines of Go outside the standard library (${l.service} of its own) plus ` +
        `${l.std.toLocaleString('en-US')} in the standard library.`,
      ''
    );
  }
  out.push(
    '## Caveats',
    '',
    '- The Actions cache here is a loopback stand-in: the results service and Azurite (in memory) on 127.0.0.1, so the restore and save groups are download/upload at memory speed plus ' +
      'tar/zstd and the seed/extract helper builds. On GitHub the archive crosses the network, so both groups take longer and the speed-up of the whole step is smaller; the ' +
      '`RUN go build` times are what the restored mount itself saves.',
    '- With a restored mount the save group runs again after every build that changed anything: the mount gains the changed package, its fingerprint changes, and the whole ' +
      'mount is archived and uploaded again under a new key (see the sizes above).',
    '- Single samples unless BENCH_CACHE_ROUNDS / BENCH_CACHE_REBUILDS say otherwise; the machine is shared (2 CPUs) and other sessions may run tests while this runs. ' +
      '`docker buildx prune -af` drops their build caches too (they pass, slower), which is why it only runs under the benchmark lock.',
    '- Step counts come from BuildKit\'s plain progress. A step can appear as two vertices (one CACHED, one that ran) when the two legs share the build stage\'s vertices; it ' +
      'counts as cached only if none of its vertices ran. When the final `COPY --from=build` re-runs, BuildKit pulls the build stage\'s layer from the cache and copies the binary: a ' +
      'second or two, not a compile.',
    ''
  );
  out.push('## Problems', '');
  out.push(r.problems?.length ? r.problems.map((p) => `- ${p}`).join('\n') : 'None in this run.', '');
  return out.join('\n') + '\n';
}
