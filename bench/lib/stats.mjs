// Summary statistics and their formatting, for every benchmark.

/** n, median, min, max and the samples (non-finite samples dropped; all null when none are left). */
export function summarize(samples, digits = 1) {
  const xs = samples.filter((x) => typeof x === 'number' && Number.isFinite(x));
  if (!xs.length) return { n: 0, median: null, min: null, max: null, samples: [] };
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, median: round(median(s), digits), min: round(s[0], digits), max: round(s[s.length - 1], digits), samples: xs.map((x) => round(x, digits)) };
}

/** Median of the finite numbers in `xs`, unrounded; null when there are none. */
export function median(xs) {
  const v = xs.filter((n) => typeof n === 'number' && Number.isFinite(n)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export function round(x, digits = 1) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function fmtMs(ms) {
  if (ms === null || ms === undefined) return 'n/a';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** `median (min – max)`. */
export function fmtStat(s, fmt = fmtMs) {
  if (!s || s.median === null) return 'n/a';
  return `${fmt(s.median)} (${fmt(s.min)} – ${fmt(s.max)})`;
}

export function fmtBytes(b) {
  if (b === null || b === undefined) return 'n/a';
  if (b >= 1024 * 1024) return `${(b / 1024 / 1024).toFixed(2)} MiB`;
  if (b >= 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${b} B`;
}
