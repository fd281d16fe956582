/**
 * The globs of the `verify-ignore` input, matched against absolute paths in the image. A pattern
 * that starts with `/` is anchored at the root; any other matches at any depth, as in .gitignore
 * (`*.node` is `**\/*.node`). `*` and `?` stay within one path segment, `**` spans segments,
 * `[abc]`/`[!a-z]` are classes and `{a,b}` alternatives.
 */

/** A compiled pattern; `test` answers for an absolute path. */
export interface PathGlob {
  pattern: string;
  test(path: string): boolean;
}

/** Compiles `pattern`; throws Error with the reason when it is malformed. */
export function compileGlob(pattern: string): PathGlob {
  const text = pattern.trim();
  if (text === '') throw new Error('an empty pattern');
  if (text.includes('\0')) throw new Error(`"${pattern}" contains a NUL byte`);
  const anchored = text.startsWith('/') ? text : `**/${text}`;
  const source = translate(anchored.replace(/\/+$/, ''), text);
  // A directory pattern also covers everything under it.
  const re = new RegExp(`^${source}(?:/.*)?$`, 's');
  return { pattern: text, test: (path) => re.test(path) };
}

function translate(glob: string, original: string): string {
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      const atStart = i === 0 || glob[i - 1] === '/';
      const atEnd = i + 2 === glob.length || glob[i + 2] === '/';
      if (!atStart || !atEnd) throw new Error(`"${original}": ** must be a whole path segment (as in a/**/b)`);
      // `**/` matches zero or more whole segments; a trailing `**` matches the rest.
      if (glob[i + 2] === '/') {
        out += '(?:[^/]*/)*';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) throw new Error(`"${original}": a [ with no closing ]`);
      let body = glob.slice(i + 1, close);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else out += c.replace(/[.+^$()|\\{}\]]/g, '\\$&');
  }
  if (braces > 0) throw new Error(`"${original}": a { with no closing }`);
  return out;
}
