// Regenerates action.yml's inputs and README's input/output tables from src/input-spec.ts, so
// the three never drift (a test checks they agree). Run with Node 24: `node scripts/sync-docs.mjs`.
import * as fs from 'node:fs';
import { INPUTS } from '../src/input-spec.ts';

const q = (s) => JSON.stringify(s);
/** A multi-line default shows one code span per line, so the table row stays one line. */
const formatDefault = (d) => (d === undefined ? '' : d.split('\n').map((l) => `\`${l}\``).join('<br>'));
const action = fs.readFileSync('action.yml', 'utf8');
let inputs = 'inputs:\n';
for (const i of INPUTS) {
  inputs += `  ${i.name}:\n    description: ${q(i.description)}\n    required: false\n`;
  if (i.default !== undefined) inputs += `    default: ${q(i.default)}\n`;
}
const updated = action.replace(/^inputs:\n[\s\S]*?(?=^outputs:)/m, inputs);
fs.writeFileSync('action.yml', updated);

const outputs = [...updated.matchAll(/^  ([a-z-]+):\n    description: (.*)$/gm)].filter((m) => updated.indexOf(m[0]) > updated.indexOf('\noutputs:'));
let table = '| Input | Default | Description |\n| --- | --- | --- |\n';
for (const i of INPUTS) table += `| \`${i.name}\` | ${formatDefault(i.default)} | ${i.description.replace(/\|/g, '\\|')} |\n`;
table += '\n| Output | Description |\n| --- | --- |\n';
for (const m of outputs) table += `| \`${m[1]}\` | ${m[2].replace(/^"|"$/g, '')} |\n`;
const readme = fs.readFileSync('README.md', 'utf8');
fs.writeFileSync('README.md', readme.replace(/\| Input \| Default \| Description \|\n[\s\S]*?\n\n(\| Output \| Description \|\n(?:\|.*\|\n)+)/, table));
