/** The failed step's last words, from BuildKit's plain progress, for quoting a rewrite's error. */
import { failedStepOutput } from '../../src/build/legs.js';

const LOG = `#11 [build 5/5] RUN CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -o /out/hello .
#11 0.412 # example.com/fallback
#11 0.413 ./main.go:9:14: undefined: greeting
#11 ERROR: process "/bin/sh -c CGO_ENABLED=0 go build -o /out/hello ." did not complete successfully: exit code: 2
#12 [stage-1 2/2] COPY --from=build /out/hello /usr/local/bin/hello
#12 CANCELED
ERROR: failed to build: failed to solve: process "/bin/sh -c …" did not complete successfully: exit code: 2
`;

test('the lines the failed step printed, not other steps\'', () => {
  expect(failedStepOutput(LOG)).toEqual(['# example.com/fallback', './main.go:9:14: undefined: greeting']);
  expect(failedStepOutput(LOG, 1)).toEqual(['./main.go:9:14: undefined: greeting']);
});

test('no failed step, nothing to quote', () => {
  expect(failedStepOutput('#1 [internal] load build definition\n#1 DONE 0.0s\n')).toEqual([]);
});
