// The yardstick's table: one row per BPA CI step, what each action did, whether they agree,
// and why not. The "why" of each difference is written by a person after reading both runs
// (WHY below, keyed by `job(matrix) / step`); a difference nobody has explained yet says so.
import { COMPARED, describe } from './observe.mjs';
import { WHY } from './why.mjs';

function cell(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Markdown for bench/results/bpa-yardstick.md. */
export function renderReport(rows, meta) {
  const ran = rows.filter((r) => !r.skipped);
  const same = ran.filter((r) => !r.differs.length);
  const different = ran.filter((r) => r.differs.length);
  const skipped = rows.filter((r) => r.skipped);
  const out = [];
  out.push('# build-push-action\'s CI as the yardstick');
  out.push('');
  out.push('Every step with `uses: ./` in docker/build-push-action\'s `.github/workflows/ci.yml`, one row per matrix entry, run through BPA\'s committed bundle (`dist/index.cjs`) and through multiarch\'s (`dist/index.js`) on the same stack with the same inputs, main then post as a runner runs them. Written by `scripts/bpa-yardstick.mjs`; the raw observations are in `bpa-yardstick.json`.');
  out.push('');
  out.push(`- **BPA commit:** \`${meta.bpaSha}\` · **Docker** ${meta.docker} · **buildx** ${cell(meta.buildx)} · ${meta.date}`);
  out.push(`- **Steps:** ${rows.length} · **ran:** ${ran.length} · **same:** ${same.length} · **different:** ${different.length} · **not run:** ${skipped.length}`);
  out.push('- **Same for both, because of the stack:** `# syntax=` lines removed from BPA\'s test Dockerfiles (the frontend image cannot be pulled); `alpine`, `busybox`, `golang:alpine` and `debian` given as named contexts of the stack\'s local images; `network: host` (the engines have no bridge); `apk add file git` dropped from `test/go/Dockerfile`; setup-buildx-action not run (it needs `moby/buildkit` from Docker Hub): both use the engine\'s default builder; each action pushes to its own `localhost:5000/<run>-bpa|ours/…` repository; `/tmp/…` paths are a scratch directory; jobs that build the default Git context fetch it from a loopback git server (so both see a GHES server URL: BPA skips its summary and record there).');
  out.push(`- **Compared:** ${COMPARED.join(', ')} (outcome: the main step\'s exit; registry: what each tag serves; engine: images loaded; files: outputs written; record: \`.dockerbuild\` artifacts; annotations: \`::warning file=\` lines).`);
  out.push('');
  out.push('| Case | Engine | build-push-action | multiarch | Same? | Why |');
  out.push('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const name = `${r.label} / ${r.step}`;
    if (r.skipped) {
      out.push(`| ${cell(name)} | – | not run | not run | – | ${cell(r.skipped)} |`);
      continue;
    }
    const why = WHY[name] ?? (r.differs.length ? `(not yet explained: differs in ${r.differs.join(', ')})` : '');
    const note = [r.note, why].filter(Boolean).join(' — ');
    out.push(`| ${cell(name)} | ${r.engine} | ${cell(describe(r.bpa))} | ${cell(describe(r.ours))} | ${r.differs.length ? `different (${r.differs.join(', ')})` : 'same'} | ${cell(note)} |`);
  }
  out.push('');
  return out.join('\n');
}
