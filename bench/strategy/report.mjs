// bench/results/strategy.md from the results JSON.

const s = (ms) => (typeof ms === 'number' ? `${(ms / 1000).toFixed(1)} s` : '–');
const x = (r) => (typeof r === 'number' ? `${r.toFixed(2)}×` : '–');
const mark = (ok) => (ok === true ? '✅' : ok === false ? '❌' : '');
const n = (v) => (typeof v === 'number' ? v.toLocaleString('en-US') : '–');

export function renderMarkdown(r) {
  const L = [];
  const w = r.ways;
  const c = r.service.lines.arm64;
  L.push('# Build strategy benchmark: a real Go service, linux/amd64 + linux/arm64');
  L.push('');
  L.push(
    `Generated ${r.generatedAt} by \`npm run bench:strategy\` (${Math.round(r.durationMs / 1000)} s in all). ` +
      `${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memGiB} GiB, kernel ${r.machine.kernel}; dockerd ${r.machine.docker}, ${r.machine.buildx}, ` +
      `builder driver \`${r.machine.builderDriver}\`, QEMU ${r.machine.qemu}. Node ${r.machine.node}; multiarch CLI bundle: ${r.machine.multiarchBundle?.source ?? 'dist/cli'}.`
  );
  L.push('');
  L.push(
    `**Service**: \`bench/go-service\` (GOPATH import path \`${r.service.importPath}\`), built with Go 1.19 in GOPATH mode (GO111MODULE=off) ` +
      `against Debian bookworm's golang-*-dev library sources. It compiles **${n(c.lines.serviceAndLibraries)} lines of Go outside the standard library** ` +
      `(${n(c.lines.service)} of its own, ${n(c.lines.libraries)} in ${c.packages.libraries} library packages) plus ${n(c.lines.std)} lines in ${c.packages.std} standard-library packages ` +
      `(${c.config}; \`go list -deps\` GoFiles + CgoFiles). Build context: ${r.service.context.packages} packages, ${r.service.context.files} files, ${(r.service.context.bytes / 2 ** 20).toFixed(1)} MiB.`
  );
  L.push('');
  L.push(`**Conditions**: ${r.conditions.summary}`);
  L.push('');
  L.push('## Wall time, both platforms, cold');
  L.push('');
  L.push('| way | how | wall time | linux/amd64 leg | linux/arm64 leg | CPU core-s: our RUN steps / our clients / daemons / other users |');
  L.push('| --- | --- | --- | --- | --- | --- |');
  for (const key of ['a', 'b', 'h', 'c', 'u']) {
    const way = w[key];
    if (!way) continue;
    const leg = (p) => {
      const pp = way.perPlatform?.[p];
      if (!pp) return '–';
      // multiarch: the median leg over the way's runs (r.legs), as in the arm64 table below
      if (pp.legMs !== undefined) return `${s(r.legs?.[key]?.[p] ?? pp.legMs)} (${pp.strategy})`;
      return `go build ${pp.goBuildSeconds ?? '–'} s; done at ${s(pp.lastStepDoneAtMs)}`;
    };
    const samples = way.samplesMs.length > 1 ? ` (median of ${way.samplesMs.map((v) => s(v)).join(', ')})` : '';
    const retried =
      ((way.runs ?? [way]).some((r) => r.failedAttempts?.length) ? ' (after a failed attempt, see JSON)' : '') +
      ((way.runs ?? [way]).some((r) => r.failedAfterExport) ? ' (the daemon reported "not found" after the export had finished; timed anyway, see JSON)' : '') +
      ((way.runs ?? [way]).some((r) => r.discardedAsContended?.length)
        ? ` (kept the least contended; discarded: ${(way.runs ?? [way]).flatMap((r) => r.discardedAsContended ?? []).map((d) => `${s(d.wallMs)} with ${Math.round(d.cpu.othersShare * 100)} % of the machine taken by other users`).join(', ')})`
        : '');
    const busy = way.duringAll.samplesWithForeignBuilds ? `; other builds ran in ${way.duringAll.samplesWithForeignBuilds}/${way.duringAll.samples} samples` : '';
    const cpu = way.duringAll.cpu;
    const cpuCell = cpu
      ? `${cpu.ourBuildStepsCoreSec} / ${cpu.ourProcessesCoreSec} / ${cpu.daemonsCoreSec} / ${Math.round((cpu.otherContainersCoreSec + cpu.otherProcessesCoreSec) * 10) / 10} (of ${cpu.capacityCoreSec})`
      : '–';
    L.push(`| **(${key})** ${way.label} | ${way.how} | **${s(way.wallMs)}**${samples}${way.ok ? '' : ' ❌ failed'}${retried}${busy} | ${leg('linux/amd64')} | ${leg('linux/arm64')} | ${cpuCell} |`);
  }
  L.push('');
  L.push(
    'Leg times: for multiarch, each leg\'s own `buildx build` (from its `--json` output, `durationMs`); the legs run concurrently. ' +
      'For plain buildx, one invocation builds both platforms at once, so the columns give BuildKit\'s time for the `RUN go build` step and when (since the start) that platform\'s last step finished; the OCI export of both follows. ' +
      'CPU, in core-seconds out of 2 CPUs × wall time (kept runs of a way added up): this benchmark\'s RUN steps (cgroup v1 cpuacct of the containers running `go build … -o /out/catalog`, sampled every second), its clients (docker, buildx, the multiarch CLI), the shared daemons (dockerd with BuildKit, containerd: this build\'s context transfer and export, and anyone else\'s), and other users (their containers, their tests and bundlers: the rest of /proc/stat).'
  );
  L.push('');
  L.push('## Ratios and goals');
  L.push('');
  L.push('| ratio | value | goal |');
  L.push('| --- | --- | --- |');
  const g = r.goals;
  L.push(`| a/b — multiarch auto vs build-push-action + QEMU | **${x(r.ratios.a_b)}** | ≥ a/h (${x(r.ratios.a_h)}) within 5 %: ${mark(g.a_b.met)} |`);
  L.push(`| b/h — multiarch auto vs hand-written cross Dockerfile | **${x(r.ratios.b_h)}**${r.ratios.b_h_min !== null && w.b?.samplesMs.length > 1 ? ` (fastest run of each: ${x(r.ratios.b_h_min)})` : ''} | ≤ 1.05: ${mark(g.b_h.met)} |`);
  L.push(`| b/c — multiarch auto (2 platforms) vs one native amd64 build | **${x(r.ratios.b_c)}** | (for scale) |`);
  L.push(`| a/h — hand-written cross vs QEMU | ${x(r.ratios.a_h)} | (for scale) |`);
  if (r.ratios.u_b !== null && r.ratios.u_b !== undefined) L.push(`| u/b — QEMU without \`ENV CGO_ENABLED=0\` vs multiarch auto | ${x(r.ratios.u_b)} | (for scale: what a user who doesn't set it saves by switching) |`);
  L.push('');
  L.push('## linux/arm64 leg: cross vs emulated');
  L.push('');
  const legs = r.legs;
  L.push('| | linux/arm64 | linux/amd64 |');
  L.push('| --- | --- | --- |');
  L.push(`| (b) multiarch auto: leg | ${s(legs.b['linux/arm64'])} (${w.b?.perPlatform?.['linux/arm64']?.strategy ?? '–'}) | ${s(legs.b['linux/amd64'])} (${w.b?.perPlatform?.['linux/amd64']?.strategy ?? '–'}) |`);
  L.push(`| (h) hand-written cross: leg | ${s(legs.h['linux/arm64'])} | ${s(legs.h['linux/amd64'])} |`);
  L.push(`| (a) QEMU: \`RUN go build\` step | ${legs.aGoBuild['linux/arm64'] ?? '–'} s | ${legs.aGoBuild['linux/amd64'] ?? '–'} s |`);
  L.push(`| (a) QEMU: platform's last step done at | ${s(legs.aDone['linux/arm64'])} | ${s(legs.aDone['linux/amd64'])} |`);
  L.push(`| (c) native amd64: \`RUN go build\` step | | ${legs.cGoBuild ?? '–'} s |`);
  if (w.u) {
    L.push(`| (u) QEMU, no CGO_ENABLED=0: \`RUN go build\` step | ${legs.uGoBuild['linux/arm64'] ?? '–'} s | ${legs.uGoBuild['linux/amd64'] ?? '–'} s |`);
    L.push(`| (u) QEMU, no CGO_ENABLED=0: platform's last step done at | ${s(legs.uDone['linux/arm64'])} | ${s(legs.uDone['linux/amd64'])} |`);
  }
  L.push('');
  L.push(
    `arm64 compile under QEMU vs cross: ${legs.aGoBuild['linux/arm64'] ?? '–'} s vs ${r.legs.bArm64GoBuildNote}.`
  );
  L.push('');
  L.push('## Did (b) build what it should?');
  L.push('');
  const v = r.verification;
  L.push(`- Plan for Dockerfile.emulated with cross-compile: auto: ${r.plan.emulatedAuto.summary}`);
  L.push(`- Plan for Dockerfile.cross with cross-compile: off: ${r.plan.crossOff.summary}`);
  for (const p of Object.keys(v)) {
    const e = v[p].entrypointCheck;
    L.push(`- (b) ${p}: verified **${v[p].verified}**${e ? `; ${e.name}: expected ${e.expected}, actual ${e.actual} ${mark(e.ok)}` : ''}`);
  }
  L.push('');
  if (r.planner?.notes?.length) {
    L.push('## What the planner got wrong here');
    L.push('');
    for (const note of r.planner.notes) L.push(`- ${note}`);
    L.push('');
  }
  L.push('## Reference');
  L.push('');
  L.push(`A hand measurement on this machine before this benchmark existed (${r.reference.what}): ${r.reference.text}.`);
  L.push('');
  L.push('## Commands');
  L.push('');
  for (const key of ['a', 'b', 'h', 'c', 'u']) if (w[key]) L.push(`- (${key}) \`${w[key].command.replace(/\/tmp\/multiarch-bench-strategy-[A-Za-z0-9]+/g, '<tmp>').replace(/\S*\/node(?= bin\/multiarch\.js)/, 'node')}\``);
  L.push('');
  L.push('Debian packages (bookworm) providing the libraries: ' + Object.entries(r.service.debianPackages).map(([p, ver]) => `\`${p}\` ${ver}`).join(', ') + '.');
  L.push('');
  return L.join('\n');
}
