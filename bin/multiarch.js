#!/usr/bin/env node
// The CLI runs from the committed bundle, so `npx multiarch` works right after `npm ci`.
import '../dist/cli/index.js';
