/**
 * Annotation levels that belong to the index: `index:` on the index itself, `index-descriptor:`
 * on its descriptor in an OCI layout's index.json (beside the names tags give it), as buildx puts them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { composeIndex, indexAnnotations, indexDescriptorAnnotations } from '../../src/build/merge.js';
import { tagLayout, writeMergedLayout } from '../../src/build/publish.js';

const inputs = ['index:org.example.i=1', 'index-descriptor:org.example.d=2', 'manifest:org.example.m=3', 'org.example.plain=4', 'index-descriptor:org.example.eq=a=b'];

test('each level takes only its own entries', () => {
  expect(indexAnnotations(inputs)).toEqual({ 'org.example.i': '1' });
  expect(indexDescriptorAnnotations(inputs)).toEqual({ 'org.example.d': '2', 'org.example.eq': 'a=b' });
});

test('index-descriptor annotations are on the layout descriptor, untagged and tagged, and not in the index', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'index-descriptor-'));
  try {
    const index = composeIndex([], indexAnnotations(inputs), indexDescriptorAnnotations(inputs));
    expect(JSON.parse(index.bytes.toString('utf8')).annotations).toEqual({ 'org.example.i': '1' });
    const layout = await writeMergedLayout([], index, path.join(dir, 'out'));
    const read = () => JSON.parse(fs.readFileSync(path.join(dir, 'out', 'index.json'), 'utf8')).manifests;
    expect(read()).toEqual([expect.objectContaining({ digest: index.digest, annotations: { 'org.example.d': '2', 'org.example.eq': 'a=b' } })]);
    await tagLayout(layout, index, ['localhost:5000/app:1']);
    expect(read()).toEqual([expect.objectContaining({ annotations: { 'org.example.d': '2', 'org.example.eq': 'a=b', 'org.opencontainers.image.ref.name': '1', 'io.containerd.image.name': 'localhost:5000/app:1' } })]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
