#!/usr/bin/env node
// Runs the compiled entry point (npm run build); NODEPOOL_FROM_SOURCE=1 runs the TypeScript through tsx.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/builder/main.js', import.meta.url);
if (process.env.NODEPOOL_FROM_SOURCE === '1' || !existsSync(compiled)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/builder/main.ts', import.meta.url).href);
} else {
  await import(compiled.href);
}
