/**
 * A small unified diff (LCS over lines, 3 lines of context), enough to show a user what the
 * cross-compile rewrite changed in their Dockerfile. Dockerfiles are small, so O(n·m) is fine.
 */

type Op = { kind: ' ' | '-' | '+'; text: string };

/** Unified diff of two texts; '' when they are equal. */
export function unifiedDiff(before: string, after: string, path: string, context = 3): string {
  if (before === after) return '';
  const ops = diffLines(splitLines(before), splitLines(after));
  const hunks: string[] = [];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]!.kind === ' ') {
      i++;
      continue;
    }
    // Grow the hunk while the next change is within 2 × context lines.
    const start = Math.max(0, i - context);
    let end = i;
    for (let j = i; j < ops.length; j++) {
      if (ops[j]!.kind !== ' ') end = j;
      else if (j - end > 2 * context) break;
    }
    const stop = Math.min(ops.length, end + context + 1);
    hunks.push(renderHunk(ops, start, stop));
    i = stop;
  }
  return [`--- a/${path}`, `+++ b/${path}`, ...hunks].join('\n') + '\n';
}

function renderHunk(ops: Op[], start: number, stop: number): string {
  // Line numbers where the hunk starts in each file: count the lines before it.
  let oldLine = 1;
  let newLine = 1;
  for (const op of ops.slice(0, start)) {
    if (op.kind !== '+') oldLine++;
    if (op.kind !== '-') newLine++;
  }
  const body = ops.slice(start, stop);
  const oldCount = body.filter((o) => o.kind !== '+').length;
  const newCount = body.filter((o) => o.kind !== '-').length;
  const range = (line: number, count: number) => (count === 0 ? `${line - 1},0` : count === 1 ? `${line}` : `${line},${count}`);
  return [`@@ -${range(oldLine, oldCount)} +${range(newLine, newCount)} @@`, ...body.map((o) => o.kind + o.text)].join('\n');
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function diffLines(a: string[], b: string[]): Op[] {
  // lcs[i][j] = length of the LCS of a[i:] and b[j:].
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: ' ', text: a[i++]! });
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      // Deletions first, as diff(1) shows a changed line: `-old` then `+new`.
      ops.push({ kind: '-', text: a[i++]! });
    } else {
      ops.push({ kind: '+', text: b[j++]! });
    }
  }
  return ops;
}
