/**
 * The summary is read as rendered HTML, not as markdown source: each run's markdown goes through
 * markdown-it (CommonMark + GFM tables, raw HTML on, as GitHub renders a step summary) and the
 * tokens and HTML are checked for shape. Every mermaid block is parsed by mermaid itself.
 */
import { JSDOM } from 'jsdom';
import MarkdownIt, { type Token } from 'markdown-it';
import type { Mermaid } from 'mermaid';
import { renderMarkdown } from '../../src/report/render.js';
import type { RunReport } from '../../src/types/plan.js';
import { fixtures } from './render-fixtures.js';

const md = new MarkdownIt({ html: true });
const dom = new JSDOM('<!doctype html><html><body></body></html>');
let mermaid: Mermaid;

beforeAll(async () => {
  // mermaid's DOMPurify binds to the window it finds when it loads, so the window comes first.
  Object.assign(globalThis, { window: dom.window, document: dom.window.document });
  mermaid = (await import('mermaid')).default;
});

afterAll(() => dom.window.close());

/** The header facts: a bold label ending in ':' that opens its own block. */
const FACT = /^(Failed|Index|Tags \((moved|not moved|partly moved)\)|OCI layout|Output|Note|Engine|Not made on this builder|Leg runners|Attestations|SBOM):$/;

interface Rendered {
  report: RunReport;
  source: string;
  tokens: Token[];
  html: string;
}

function render(report: RunReport): Rendered {
  const source = renderMarkdown(report);
  return { report, source, tokens: md.parse(source, {}), html: md.render(source) };
}

/** Bold labels ending in ':' in one inline token, with their position among its children. */
function labelsOf(inline: Token): Array<{ label: string; at: number }> {
  // markdown-it opens an inline run with an empty text token before the delimiter.
  const children = (inline.children ?? []).filter((c) => !(c.type === 'text' && c.content === ''));
  const found: Array<{ label: string; at: number }> = [];
  children.forEach((c, i) => {
    const text = children[i + 1];
    if (c.type === 'strong_open' && text?.type === 'text' && children[i + 2]?.type === 'strong_close' && text.content.endsWith(':')) found.push({ label: text.content, at: i });
  });
  return found;
}

/** Every bold label, with the blocks enclosing it (innermost last). */
function facts(tokens: Token[]): Array<{ label: string; at: number; blocks: string[]; labelsInBlock: number }> {
  const open: string[] = [];
  const out: Array<{ label: string; at: number; blocks: string[]; labelsInBlock: number }> = [];
  for (const t of tokens) {
    if (t.nesting === 1) open.push(t.type);
    else if (t.nesting === -1) open.pop();
    else if (t.type === 'inline') {
      const labels = labelsOf(t);
      for (const l of labels) out.push({ ...l, blocks: [...open], labelsInBlock: labels.length });
    }
  }
  return out;
}

const EXPECTED_FACTS: Record<keyof typeof fixtures, string[]> = {
  passing: ['Index:', 'Tags (moved):', 'Engine:', 'Attestations:', 'SBOM:'],
  failedCheck: ['Failed:', 'Index:', 'Tags (not moved):', 'Note:', 'Engine:', 'Attestations:', 'SBOM:'],
  failedLeg: ['Failed:', 'Tags (not moved):', 'Engine:', 'Not made on this builder:', 'SBOM:'],
  warned: ['Index:', 'Tags (moved):', 'Engine:', 'Attestations:', 'SBOM:']
};

describe.each(Object.entries(fixtures) as Array<[keyof typeof fixtures, RunReport]>)('the %s summary', (name, report) => {
  const r = render(report);

  test('opens with one h2 naming the image', () => {
    const headings = r.tokens.filter((t) => t.type === 'heading_open');
    expect(headings.map((t) => t.tag)).toEqual(['h2']);
    expect(r.tokens[1]!.content).toContain(report.error || report.verification?.ok === false ? '❌' : '✅');
  });

  test('each header fact is its own block: a list item or a paragraph, never run together', () => {
    const header = facts(r.tokens).filter((f) => FACT.test(f.label));
    expect(header.map((f) => f.label)).toEqual(EXPECTED_FACTS[name]);
    for (const f of header) {
      expect({ label: f.label, labelsInBlock: f.labelsInBlock, at: f.at }).toEqual({ label: f.label, labelsInBlock: 1, at: 0 });
      // The innermost block is a paragraph: in a list item (tight lists hide it) or at the top.
      expect(f.blocks.at(-1)).toBe('paragraph_open');
      expect(['list_item_open', undefined]).toContain(f.blocks.at(-2));
    }
    // The list's facts are separate <li>s in the HTML, too.
    const items = [...new JSDOM(r.html).window.document.querySelectorAll('body > ul:first-of-type > li')].map((li) => li.textContent!.split(':')[0]);
    expect(items).toEqual(EXPECTED_FACTS[name].filter((l) => !['Failed:', 'Attestations:', 'SBOM:'].includes(l)).map((l) => l.slice(0, -1)));
  });

  test('the table has one row per platform, each of six cells, none broken by a raw |', () => {
    const doc = new JSDOM(r.html).window.document;
    // The platform table first; the savings table (when a leg compiled under QEMU as written) after it.
    const tables = doc.querySelectorAll('table');
    expect(tables).toHaveLength(report.plan!.platforms.some((p) => p.savings) ? 2 : 1);
    const head = [...tables[0]!.querySelectorAll('thead th')].map((th) => th.textContent);
    expect(head).toEqual(['Platform', 'Strategy', 'Digest', 'Compressed size', 'Build time', 'Checks']);
    const rows = [...tables[0]!.querySelectorAll('tbody tr')];
    const platforms = report.plan!.platforms.map((p) => p.platform);
    expect(rows.map((tr) => tr.querySelector('td')!.textContent)).toEqual(platforms);
    for (const tr of rows) {
      const cells = [...tr.querySelectorAll('td')].map((td) => td.textContent!);
      expect(cells).toHaveLength(6);
      expect(cells[1]).toMatch(/^(native|cross|emulated)( \(rewrite fell back\))?$/);
      expect(cells[5]).toMatch(/^(✅ \d+\/\d+|❌ \d+\/\d+ \([^)|]+\)|–)( ⚠️ \d+ warnings?)?$/);
    }
    // markdown-it and GitHub both drop cells past the header's count, so count them in the source.
    const sourceRows = tableRows(r.source, 0);
    expect(sourceRows).toHaveLength(2 + platforms.length);
    for (const row of sourceRows) expect(row.match(/(?<!\\)\|/g)).toHaveLength(7);
  });

  test('the savings table: a row per platform that compiled under QEMU as written, six cells each, none broken by a raw |', () => {
    const withSavings = report.plan!.platforms.filter((p) => p.savings);
    if (!withSavings.length) {
      expect(r.source).not.toContain('What cross-compiling saves');
      return;
    }
    const table = new JSDOM(r.html).window.document.querySelectorAll('table')[1]!;
    expect([...table.querySelectorAll('thead th')].map((th) => th.textContent)).toEqual(['Platform', 'Built', 'Emulated', 'Cross', 'Saved', 'Estimate from']);
    const rows = [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!));
    expect(rows.map((c) => c[0])).toEqual(withSavings.map((p) => p.platform));
    for (const cells of rows) expect(cells).toHaveLength(6);
    for (const row of tableRows(r.source, 1)) expect(row.match(/(?<!\\)\|/g)).toHaveLength(7);
  });

  test('every <details> is closed, holds a <summary> first, and none nests in another', () => {
    const tags = r.html.match(/<\/?details>/g) ?? [];
    let depth = 0;
    for (const t of tags) {
      depth += t === '<details>' ? 1 : -1;
      expect(depth === 0 || depth === 1).toBe(true);
    }
    expect(depth).toBe(0);
    const all = [...new JSDOM(r.html).window.document.querySelectorAll('details')];
    expect(all).toHaveLength(tags.length / 2);
    for (const d of all) {
      expect(d.firstElementChild?.tagName).toBe('SUMMARY');
      expect(d.firstElementChild!.textContent!.trim()).not.toBe('');
      expect(d.querySelector('details')).toBeNull();
    }
  });

  test('every fenced block is closed where it should be', () => {
    const lines = r.source.split('\n');
    const fences = r.tokens.filter((t) => t.type === 'fence');
    expect(fences.length).toBeGreaterThan(0);
    for (const f of fences) {
      const [start, end] = f.map!;
      const open = lines[start]!.match(/^\s*(`{3,})/)![1]!;
      // An unclosed fence runs to the end of the document; a closed one ends on its own fence line.
      expect(lines[end - 1]!.trim()).toBe(open);
      expect(end - 1).toBeGreaterThan(start);
    }
    // Nothing of a log or an error escaped into headings or HTML blocks of its own.
    const htmlBlocks = r.tokens.filter((t) => t.type === 'html_block').map((t) => t.content.trim());
    for (const b of htmlBlocks) expect(b).toMatch(/^(<details><summary>[^<]*<\/summary>|<\/details>)$/);
  });

  test('every mermaid block parses, and its gantt has one dated task per leg', async () => {
    const blocks = r.tokens.filter((t) => t.type === 'fence' && t.info.trim() === 'mermaid');
    expect(blocks).toHaveLength(report.legs.length ? 1 : 0);
    for (const b of blocks) {
      await expect(mermaid.parse(b.content)).resolves.toMatchObject({ diagramType: 'gantt' });
      // The parse is grammar only; the gantt's own db turns each task's start and end into dates.
      // getDiagramFromText is mermaid's internal API, so a mermaid upgrade may move it: keep the
      // two calls together.
      const diagram = (await mermaid.mermaidAPI.getDiagramFromText(b.content)) as unknown as { db: { getTasks(): Array<{ task: string; startTime: Date; endTime: Date; classes: string[]; crit?: boolean }> } };
      const tasks = diagram.db.getTasks();
      expect(tasks).toHaveLength(report.legs.length);
      tasks.forEach((t, i) => {
        const leg = report.legs[i]!;
        expect(t.task.trim()).toBe(`${leg.platform.platform} (${leg.platform.strategy})`);
        expect(t.endTime.getTime() - t.startTime.getTime()).toBe(Math.max(1, leg.durationMs));
        expect(Boolean(t.crit)).toBe(!leg.ok);
      });
    }
  });
});

test('a broken gantt is caught: the check is not vacuous', async () => {
  await expect(mermaid.parse('gantt\n  dateFormat x\n  linux/arm64 (cross) : crit; 0, 1200\n  stray line\n')).rejects.toThrow();
});

/** The source lines of the n-th markdown table (0-based). */
function tableRows(source: string, n: number): string[] {
  const tables: string[][] = [];
  let current: string[] | undefined;
  for (const line of source.split('\n')) {
    if (line.startsWith('|')) (current ??= tables[tables.push([]) - 1]!).push(line);
    else current = undefined;
  }
  return tables[n] ?? [];
}
test('warnings get their own <details> per platform, escaped, and a count in the Checks cell', () => {
  const r = render(fixtures.warned);
  const doc = new JSDOM(r.html).window.document;
  const details = [...doc.querySelectorAll('details')].find((d) => d.querySelector('summary')!.textContent === 'Warnings for linux/arm64 (2)');
  expect(details).toBeDefined();
  const items = [...details!.querySelectorAll('li')].map((li) => li.textContent);
  expect(items).toEqual(['binaries: /opt/tools/x86/{tool, <b>x</b>}: amd64, not loaded from there (layer 3 of 4: RUN curl -L x | tar -x `y`)', 'binaries: /srv/legacy.so: 386, not loaded from there (layer 2 of 4)']);
  expect(details!.querySelector('b')).toBeNull();
  const arm = [...doc.querySelectorAll('tbody tr')].find((tr) => tr.querySelector('td')!.textContent === 'linux/arm64')!;
  expect([...arm.querySelectorAll('td')][5]!.textContent).toBe('✅ 4/4 ⚠️ 2 warnings');
});
