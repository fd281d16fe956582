/**
 * A small, quote-aware splitter for RUN scripts: enough of POSIX sh to find simple commands and
 * where their words start, so the planner can see `go build` behind `cd /src &&` and the rewrite
 * can insert GOOS/GOARCH right before it. It does not evaluate anything; anything it can't follow
 * (a `case` pattern, a nested `sh -c`) simply shows up as a command it doesn't know.
 */

/** One shell word: its unquoted text and its position in the script. */
export interface Word {
  /** Text with quotes and backslashes removed; `$(…)` and `${…}` are kept verbatim. */
  text: string;
  start: number;
  end: number;
}

/** Split a script into simple commands (at `;`, `&&`, `||`, `|`, `&`, newlines and parentheses). */
export function splitCommands(script: string): Word[][] {
  const commands: Word[][] = [];
  const heredocs: { delim: string; strip: boolean }[] = [];
  let words: Word[] = [];
  let text = '';
  let start = -1;
  // After a bare `<<`, the next word is the heredoc delimiter.
  let pendingStrip: boolean | undefined;

  const endWord = (end: number) => {
    if (start < 0) return;
    const word = { text, start, end };
    words.push(word);
    start = -1;
    text = '';
    if (pendingStrip !== undefined) {
      heredocs.push({ delim: word.text, strip: pendingStrip });
      pendingStrip = undefined;
      return;
    }
    const m = /^\d*<<(-?)(.*)$/.exec(word.text);
    if (m && !word.text.includes('<<<')) {
      if (m[2]) heredocs.push({ delim: m[2], strip: m[1] === '-' });
      else pendingStrip = m[1] === '-';
    }
  };
  const endCommand = () => {
    if (words.length) commands.push(words);
    words = [];
  };

  const n = script.length;
  let i = 0;
  while (i < n) {
    const c = script[i]!;
    if (c === '\\' && script[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '\\' && script[i + 1] === '\r' && script[i + 2] === '\n') {
      i += 3;
      continue;
    }
    if (c === '\n') {
      endWord(i);
      endCommand();
      i = skipHeredocBodies(script, i + 1, heredocs.splice(0));
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      endWord(i);
      i++;
      continue;
    }
    if (start < 0 && c === '#') {
      while (i < n && script[i] !== '\n') i++;
      continue;
    }
    const isRedirectAmp = c === '&' && (/[<>]$/.test(text) || script[i + 1] === '>');
    if (c === ';' || c === '|' || (c === '&' && !isRedirectAmp) || c === '(' || c === ')') {
      endWord(i);
      endCommand();
      i += (c === ';' || c === '|' || c === '&') && script[i + 1] === c ? 2 : 1;
      continue;
    }
    if (start < 0) start = i;
    if (c === "'") {
      const close = script.indexOf("'", i + 1);
      const end = close < 0 ? n : close;
      text += script.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      const [inner, next] = readDoubleQuoted(script, i + 1);
      text += inner;
      i = next;
    } else if (c === '$' && script[i + 1] === '(') {
      const end = matchParen(script, i + 1);
      text += script.slice(i, end);
      i = end;
    } else if (c === '$' && script[i + 1] === '{') {
      const close = script.indexOf('}', i);
      const end = close < 0 ? n : close + 1;
      text += script.slice(i, end);
      i = end;
    } else if (c === '`') {
      const close = script.indexOf('`', i + 1);
      const end = close < 0 ? n : close + 1;
      text += script.slice(i, end);
      i = end;
    } else if (c === '\\') {
      text += script[i + 1] ?? '';
      i += 2;
    } else {
      text += c;
      i++;
    }
  }
  endWord(n);
  endCommand();
  return commands;
}

function readDoubleQuoted(script: string, from: number): [string, number] {
  let out = '';
  let i = from;
  while (i < script.length && script[i] !== '"') {
    const c = script[i]!;
    if (c === '\\' && i + 1 < script.length) {
      const next = script[i + 1]!;
      out += '$`"\\\n'.includes(next) ? (next === '\n' ? '' : next) : c + next;
      i += 2;
    } else if (c === '$' && script[i + 1] === '(') {
      const end = matchParen(script, i + 1);
      out += script.slice(i, end);
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  return [out, i + 1];
}

/** Index just past the parenthesis that closes the one at `open`, skipping quoted text. */
function matchParen(script: string, open: number): number {
  let depth = 0;
  for (let i = open; i < script.length; i++) {
    const c = script[i];
    if (c === "'" || c === '"') {
      const close = script.indexOf(c, i + 1);
      if (close < 0) return script.length;
      i = close;
    } else if (c === '(') {
      depth++;
    } else if (c === ')' && --depth === 0) {
      return i + 1;
    }
  }
  return script.length;
}

/** Skip the bodies of heredocs opened on the line that just ended; their text is data, not commands. */
function skipHeredocBodies(script: string, from: number, heredocs: { delim: string; strip: boolean }[]): number {
  let i = from;
  for (const doc of heredocs) {
    while (i < script.length) {
      const eol = script.indexOf('\n', i);
      const end = eol < 0 ? script.length : eol;
      let line = script.slice(i, end).replace(/\r$/, '');
      if (doc.strip) line = line.replace(/^\t+/, '');
      i = end + 1;
      if (line === doc.delim) break;
    }
  }
  return Math.min(i, script.length);
}
