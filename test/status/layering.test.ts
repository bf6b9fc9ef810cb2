// src/cli and src/web both draw the status listings from src/status; neither imports the other,
// so the web app does not load the CLI and the CLI does not load an HTTP server.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SRC = join(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import\()\s*'([^']+)'/g)].map((m) => m[1]);
}

function offenders(folder: string, forbidden: string): string[] {
  return sourceFiles(join(SRC, folder)).flatMap((file) =>
    importsOf(file).filter((spec) => spec.includes(`/${forbidden}/`)).map((spec) => `${file}: ${spec}`),
  );
}

describe('status layering', () => {
  it('src/web does not import src/cli', () => {
    expect(offenders('web', 'cli')).toEqual([]);
  });
  it('src/cli does not import src/web', () => {
    expect(offenders('cli', 'web')).toEqual([]);
  });
  it('src/status imports neither', () => {
    expect([...offenders('status', 'cli'), ...offenders('status', 'web')]).toEqual([]);
  });
});
