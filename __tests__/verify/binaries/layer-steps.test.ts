import { cleanStep, layerSteps } from '../../../src/verify/binaries/layer-steps.js';

test('layer steps from the history, in the words of the Dockerfile', () => {
  expect(cleanStep('RUN /bin/sh -c npm ci # buildkit')).toBe('RUN npm ci');
  expect(cleanStep('COPY /out/app /app # buildkit')).toBe('COPY /out/app /app');
  expect(cleanStep('RUN |2 TARGETARCH=arm64 X= /bin/sh -c make # buildkit')).toBe('RUN make');
  expect(cleanStep('/bin/sh -c #(nop)  COPY file:abc in /app ')).toBe('COPY file:abc in /app');
  expect(cleanStep('/bin/sh -c apt-get install -y x')).toBe('RUN apt-get install -y x');
  const config = { os: 'linux', architecture: 'arm64', history: [{ created_by: 'ADD rootfs.tar / # buildkit' }, { created_by: 'ENV A=b', empty_layer: true }, { created_by: 'COPY x /x # buildkit' }] };
  expect(layerSteps(config, 2)).toEqual(['ADD rootfs.tar /', 'COPY x /x']);
  expect(layerSteps(config, 3)).toEqual([undefined, undefined, undefined]);
  expect(layerSteps({ os: 'linux', architecture: 'arm64' }, 1)).toEqual([undefined]);
});
