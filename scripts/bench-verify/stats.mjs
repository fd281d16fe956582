// Summary statistics and formatting for scripts/bench-verify.mjs.

/** n, median, min, max and the samples (non-finite samples dropped; all null when none are left). */
export function summarize(samples, digits = 1) {
  const xs = samples.filter((x) => typeof x === 'number' && Number.isFinite(x));
  if (!xs.length) return { n: 0, median: null, min: null, max: null, samples: [] };
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { n: s.length, median: round(median, digits), min: round(s[0], digits), max: round(s[s.length - 1], digits), samples: xs.map((x) => round(x, digits)) };
}

export function round(x, digits = 1) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function fmtMs(ms) {
  if (ms === null || ms === undefined) return 'n/a';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export function fmtBytes(b) {
  if (b === null || b === undefined) return 'n/a';
  if (b >= 1024 * 1024) return `${(b / 1024 / 1024).toFixed(2)} MiB`;
  if (b >= 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${b} B`;
}

/** `median (min – max)`. */
export function fmtStat(s, fmt = fmtMs) {
  if (!s || s.median === null) return 'n/a';
  return `${fmt(s.median)} (${fmt(s.min)} – ${fmt(s.max)})`;
}
