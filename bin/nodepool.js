#!/usr/bin/env node
// Runs the compiled entry point (npm run build); NODEPOOL_FROM_SOURCE=1 runs the TypeScript through tsx.
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// A listing decodes every record in one go: a larger young generation (V8's default is sized for
// servers that allocate steadily) spends far less of a short-lived command in the scavenger.
setFlagsFromString('--max-semi-space-size=32');

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (process.env.NODEPOOL_FROM_SOURCE === '1' || !existsSync(compiled)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
} else {
  await import(compiled.href);
}
