/** What became of each `outputs` line is in both reports, one fact per line, escaped. */
import { renderMarkdown } from '../../src/report/render.js';
import { renderTerminal } from '../../src/report/terminal.js';
import type { RunReport } from '../../src/types/plan.js';
import { passing } from './render-fixtures.js';

const report: RunReport = {
  ...passing,
  outputs: [
    { output: 'type=local,dest=out/files', note: 'files only (linux_amd64/, linux_arm64/ in /w/out/files): not an image, nothing to verify for this output' },
    { output: 'type=cacheonly', note: 'build only (cache export): nothing to push or verify' },
    { output: 'type=docker,name=a_b*c', note: 'loaded' }
  ]
};

test('the summary has one Output fact per line', () => {
  const md = renderMarkdown(report);
  expect(md).toContain('- **Output:** `type=local,dest=out/files`: files only (linux\\_amd64/, linux\\_arm64/ in /w/out/files): not an image, nothing to verify for this output\n');
  expect(md).toContain('- **Output:** `type=cacheonly`: build only (cache export): nothing to push or verify\n');
  expect(md).toContain('- **Output:** `type=docker,name=a_b*c`: loaded\n');
});

test('the terminal report says the same', () => {
  const text = renderTerminal(report);
  expect(text).toContain('output   type=local,dest=out/files: files only (linux_amd64/, linux_arm64/ in /w/out/files): not an image, nothing to verify for this output\n');
  expect(text).toContain('output   type=cacheonly: build only (cache export): nothing to push or verify\n');
});

test('a files-only run hands on no digest, imageid or metadata (the verified index was delivered nowhere), as BPA', async () => {
  const { resolveOutputs } = await import('../../src/report/outputs.js');
  expect(passing.index).toBeDefined();
  const delivered = resolveOutputs(passing);
  expect(delivered.digest).toBe(passing.index!.digest);
  const filesOnly = resolveOutputs({ ...passing, filesOnly: true });
  expect([filesOnly.digest, filesOnly.imageid, filesOnly.metadata]).toEqual([undefined, undefined, undefined]);
  // What was built and verified per platform is still there; the summary says where the index went.
  expect(JSON.parse(filesOnly.platforms!)).toEqual(JSON.parse(delivered.platforms!));
  expect(renderMarkdown({ ...passing, filesOnly: true })).toContain(`- **Index:** \`${passing.index!.digest}\` (built and checked, delivered nowhere: the outputs are files only)`);
  expect(renderMarkdown(passing)).toContain(`- **Index:** \`${passing.index!.digest}\`\n`);
});
