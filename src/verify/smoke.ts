/**
 * The smoke test (run the image for a platform, e.g. `docker run --platform … <digest> --version`)
 * lives elsewhere because it needs a container engine and QEMU. This is the shape it plugs in as.
 */
import type { Check } from '../types/plan.js';

/** Runs one platform's image by digest and reports a `smoke` check; it must not throw. */
export type SmokeHook = (platform: string, digest: string) => Promise<Check>;
