/** Issue "drop-in" item D: a shell-form ENTRYPOINT in an image without a shell, said in the user's terms. */
import { verifyImage } from '../../src/verify/checks.js';
import { resolveProgramOrigin } from '../../src/verify/dockerfile-origin.js';
import { ELF } from './helpers/elf-builder.js';
import { addImage, addIndex, dirs, layer } from './helpers/image.js';
import { MemorySource } from './helpers/memory-source.js';

/** BPA's own lint.Dockerfile case: FROM scratch, a binary, ENTRYPOINT in shell form. */
function scratchShellForm(): MemorySource {
  const src = new MemorySource();
  const layers = [layer([...dirs('usr', 'usr/local', 'usr/local/bin'), { name: 'usr/local/bin/hello', data: ELF.amd64(), mode: 0o755 }])];
  addIndex(src, [addImage(src, { platform: 'linux/amd64', layers, config: { Entrypoint: ['/bin/sh', '-c', '/usr/local/bin/hello'] } })]);
  return src;
}

test('shell-form ENTRYPOINT without /bin/sh names the Dockerfile line', async () => {
  const v = await verifyImage(scratchShellForm(), 'latest', ['linux/amd64'], { entrypoint: true, origin: { file: 'app/Dockerfile', entrypoint: { line: 5, shell: true } } });
  const c = v.platforms[0]!.checks.find((x) => x.name === 'entrypoint-arch')!;
  expect(c.ok).toBe(false);
  expect(c.actual).toBe('shell-form ENTRYPOINT at app/Dockerfile:5 runs /bin/sh, which the image does not have');
  expect(c.detail).toMatch(/^shell-form ENTRYPOINT at app\/Dockerfile:5 runs \/bin\/sh, which the image does not have\. Write it in exec form/);
});

test('without the Dockerfile line, the same words without it', async () => {
  const v = await verifyImage(scratchShellForm(), 'latest', ['linux/amd64'], { entrypoint: true });
  const c = v.platforms[0]!.checks.find((x) => x.name === 'entrypoint-arch')!;
  expect(c.actual).toBe('shell-form ENTRYPOINT runs /bin/sh, which the image does not have');
});

describe('resolveProgramOrigin', () => {
  const text = ['FROM busybox:1.35 AS build', 'ENTRYPOINT ["/bin/sh"]', 'FROM scratch AS final', 'COPY --from=build /bin/busybox /hello', 'ENTRYPOINT /hello', 'CMD ["x"]', 'FROM final AS debug', 'CMD echo hi', ''].join('\n');
  test.each([
    ['build', { entrypoint: { line: 2, shell: false } }],
    ['final', { entrypoint: { line: 5, shell: true }, cmd: { line: 6, shell: false } }],
    // debug inherits final's ENTRYPOINT and sets its own CMD.
    ['debug', { entrypoint: { line: 5, shell: true }, cmd: { line: 8, shell: true } }]
  ])('target %s', (target, expected) => {
    expect(resolveProgramOrigin(text, target)).toEqual(expected);
  });
  test('no target: the last stage', () => {
    expect(resolveProgramOrigin(text)).toEqual({ entrypoint: { line: 5, shell: true }, cmd: { line: 8, shell: true } });
    expect(resolveProgramOrigin('FROM scratch\nENTRYPOINT /x\n')).toEqual({ entrypoint: { line: 2, shell: true } });
  });
  test('an unparsable file gives no origin', () => {
    expect(resolveProgramOrigin('')).toEqual({});
  });
});
