/** Check warnings from an ordinary build's metadata file, as buildx 0.29 writes them (recorded from BPA's lint.Dockerfile). */
import { checkAnnotation, mergeCheckResults, parseMetadataWarnings } from '../../src/build/check-warnings.js';

const RECORDED = [{"vertex": "sha256:e9634e6597774a7cb5f3fa615a9939cfd869dcdb5df706295135ef87acb10ff6", "level": 1, "short": "TXVsdGlwbGVJbnN0cnVjdGlvbnNEaXNhbGxvd2VkOiBNdWx0aXBsZSBDTUQgaW5zdHJ1Y3Rpb25zIHNob3VsZCBub3QgYmUgdXNlZCBpbiB0aGUgc2FtZSBzdGFnZSBiZWNhdXNlIG9ubHkgdGhlIGxhc3Qgb25lIHdpbGwgYmUgdXNlZCAobGluZSAxMCk=", "detail": ["TXVsdGlwbGUgaW5zdHJ1Y3Rpb25zIG9mIHRoZSBzYW1lIHR5cGUgc2hvdWxkIG5vdCBiZSB1c2VkIGluIHRoZSBzYW1lIHN0YWdl"], "url": "https://docs.docker.com/go/dockerfile/rule/multiple-instructions-disallowed/", "sourceInfo": {"filename": "lint.Dockerfile", "data": "ZnJPTSBidXN5Ym94IGFzIGJhc2UKY09weSBsaW50LkRvY2tlcmZpbGUgLgoKZnJvbSBzY3JhdGNoCk1BSU5UQUlORVIgbW9ieUBleGFtcGxlLmNvbQpDT1B5IC0tZnJvbT1iYXNlIFwKICAvbGludC5Eb2NrZXJmaWxlIFwKICAvCgpDTUQgWyAiZWNobyIsICJIZWxsbywgTm9yd2F5ISIgXQpDTUQgWyAiZWNobyIsICJIZWxsbywgU3dlZGVuISIgXQpFTlRSWVBPSU5UIG15LXByb2dyYW0gc3RhcnQK", "language": "Dockerfile"}, "range": [{"start": {"line": 10}, "end": {"line": 10}}]}, {"vertex": "sha256:e9634e6597774a7cb5f3fa615a9939cfd869dcdb5df706295135ef87acb10ff6", "level": 1, "short": "Q29uc2lzdGVudEluc3RydWN0aW9uQ2FzaW5nOiBDb21tYW5kICdDT1B5JyBzaG91bGQgbWF0Y2ggdGhlIGNhc2Ugb2YgdGhlIGNvbW1hbmQgbWFqb3JpdHkgKHVwcGVyY2FzZSkgKGxpbmUgNik=", "detail": ["QWxsIGNvbW1hbmRzIHdpdGhpbiB0aGUgRG9ja2VyZmlsZSBzaG91bGQgdXNlIHRoZSBzYW1lIGNhc2luZyAoZWl0aGVyIHVwcGVyIG9yIGxvd2VyKQ=="], "url": "https://docs.docker.com/go/dockerfile/rule/consistent-instruction-casing/", "sourceInfo": {"filename": "lint.Dockerfile", "data": "ZnJPTSBidXN5Ym94IGFzIGJhc2UKY09weSBsaW50LkRvY2tlcmZpbGUgLgoKZnJvbSBzY3JhdGNoCk1BSU5UQUlORVIgbW9ieUBleGFtcGxlLmNvbQpDT1B5IC0tZnJvbT1iYXNlIFwKICAvbGludC5Eb2NrZXJmaWxlIFwKICAvCgpDTUQgWyAiZWNobyIsICJIZWxsbywgTm9yd2F5ISIgXQpDTUQgWyAiZWNobyIsICJIZWxsbywgU3dlZGVuISIgXQpFTlRSWVBPSU5UIG15LXByb2dyYW0gc3RhcnQK", "language": "Dockerfile"}, "range": [{"start": {"line": 6}, "end": {"line": 6}}, {"start": {"line": 7}, "end": {"line": 7}}, {"start": {"line": 8}, "end": {"line": 8}}]}];

test('rule, detail, url and first line from each warning', () => {
  expect(parseMetadataWarnings({ 'buildx.build.warnings': RECORDED })).toEqual([
    { rule: 'MultipleInstructionsDisallowed', detail: 'Multiple CMD instructions should not be used in the same stage because only the last one will be used', url: 'https://docs.docker.com/go/dockerfile/rule/multiple-instructions-disallowed/', line: 10 },
    { rule: 'ConsistentInstructionCasing', detail: "Command 'COPy' should match the case of the command majority (uppercase)", url: 'https://docs.docker.com/go/dockerfile/rule/consistent-instruction-casing/', line: 6 }
  ]);
});

test('no warnings, no metadata, or a warning without a rule or line: nothing', () => {
  expect(parseMetadataWarnings({})).toEqual([]);
  expect(parseMetadataWarnings(null)).toEqual([]);
  expect(parseMetadataWarnings({ 'buildx.build.warnings': [{ short: Buffer.from('something happened').toString('base64'), range: [{ start: { line: 3 } }] }, { short: Buffer.from('Rule: no line').toString('base64') }] })).toEqual([]);
});

test('two platforms finding the same warnings: one annotation each, on its line', () => {
  const warnings = parseMetadataWarnings({ 'buildx.build.warnings': RECORDED });
  const merged = mergeCheckResults('test/lint.Dockerfile', [
    { platform: 'linux/amd64', result: { warnings } },
    { platform: 'linux/arm64', result: { warnings: warnings.slice(0, 1) } }
  ]);
  expect(merged.warnings.map((w) => checkAnnotation(w, ['linux/amd64', 'linux/arm64']))).toEqual([
    ["ConsistentInstructionCasing: Command 'COPy' should match the case of the command majority (uppercase) (linux/amd64 only) (https://docs.docker.com/go/dockerfile/rule/consistent-instruction-casing/)", { file: 'test/lint.Dockerfile', line: 6 }],
    ['MultipleInstructionsDisallowed: Multiple CMD instructions should not be used in the same stage because only the last one will be used (https://docs.docker.com/go/dockerfile/rule/multiple-instructions-disallowed/)', { file: 'test/lint.Dockerfile', line: 10 }]
  ]);
});
