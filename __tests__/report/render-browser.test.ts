/**
 * The passing run's summary, rendered as a reader's browser would: markdown-it's HTML with
 * mermaid's browser bundle inlined, opened in headless Chromium. The page must not throw, and
 * mermaid must turn the timeline into a gantt <svg>. Chromium is a Debian package
 * (`apt-get install -y chromium`); without it this test fails rather than skips.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import MarkdownIt from 'markdown-it';
import { renderMarkdown } from '../../src/report/render.js';
import { passing } from './render-fixtures.js';

const run = promisify(execFile);
const CHROMIUM = process.env.CHROMIUM ?? 'chromium';
const ERROR_MARKER = 'MULTIARCH-PAGE-ERROR';
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-browser-'));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A page like GitHub's: the summary's HTML, with each mermaid fence handed to mermaid. */
function page(markdown: string): string {
  const body = new MarkdownIt({ html: true }).render(markdown).replace(/<pre><code class="language-mermaid">([\s\S]*?)<\/code><\/pre>/g, '<pre class="mermaid">$1</pre>');
  const bundle = fs.readFileSync(path.resolve('node_modules/mermaid/dist/mermaid.min.js'), 'utf8');
  // Any error, thrown or rejected, leaves a marker in the DOM that --dump-dom shows.
  const trap = `function mark(m){var p=document.createElement('pre');p.className='${ERROR_MARKER}';p.textContent='${ERROR_MARKER}: '+m;document.body.appendChild(p)}
window.onerror=function(m){mark(m)};
window.onunhandledrejection=function(e){mark(e.reason&&e.reason.message||e.reason)};`;
  const start = `mermaid.initialize({startOnLoad:false,securityLevel:'strict'});
mermaid.run({querySelector:'pre.mermaid'}).then(function(){document.body.setAttribute('data-mermaid','done')},function(e){mark('mermaid: '+(e&&e.message||e))});`;
  return `<!doctype html><html><head><meta charset="utf-8"><script>${trap}</script></head><body>${body}<script>${bundle.replace(/<\/script/gi, '<\\/script')}</script><script>${start}</script></body></html>`;
}

function chromium(...args: string[]) {
  return run(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', `--user-data-dir=${fs.mkdtempSync(path.join(dir, 'profile-'))}`, '--window-size=1200,1600', '--virtual-time-budget=10000', ...args], { timeout: 25_000, maxBuffer: 64 * 1024 * 1024 });
}

test('the passing summary renders in Chromium without an error, with the timeline as a gantt svg', async () => {
  const file = path.join(dir, 'summary.html');
  fs.writeFileSync(file, page(renderMarkdown(passing)));
  const url = `file://${file}`;
  const shot = path.join(dir, 'summary.png');
  const [dump] = await Promise.all([chromium('--dump-dom', url), chromium(`--screenshot=${shot}`, url)]);
  // Without the 5 MB bundle, so a failure prints the page, not mermaid.
  const html = dump.stdout.replace(/<script>[\s\S]*?<\/script>/g, '');

  expect([...html.matchAll(new RegExp(`<pre class="${ERROR_MARKER}">([^<]*)</pre>`, 'g'))].map((m) => m[1])).toEqual([]);
  expect(html).toContain('data-mermaid="done"');
  const svg = html.match(/<svg[^>]*aria-roledescription="gantt"[\s\S]*?<\/svg>/)?.[0];
  expect(svg).toBeDefined();
  // mermaid draws a "Syntax error" picture instead of throwing in some versions.
  expect(svg).not.toMatch(/Syntax error/i);
  for (const l of passing.legs) expect(svg).toContain(`${l.platform.platform} (${l.platform.strategy})`);

  const png = fs.readFileSync(shot);
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.length).toBeGreaterThan(10_000);
}, 30_000);
