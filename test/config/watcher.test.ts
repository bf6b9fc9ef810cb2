// The watcher notices a changed file on the injected clock, delivers a valid new config and
// keeps the running one when the new file is invalid.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import type { ConfigProblem } from '../../src/config/errors.ts';
import type { NodepoolConfig } from '../../src/config/model.ts';
import { ConfigWatcher } from '../../src/config/watcher.ts';
import { ManualClock } from '../../src/util/clock.ts';
import { waitFor } from '../helpers/wait.ts';

const fixture = readFileSync(join(import.meta.dirname, '../fixtures/config/current-minimal.yaml'), 'utf8');
let dir: string;
let path: string;
let watcher: ConfigWatcher | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nodepool-watch-'));
  path = join(dir, 'nodepool.yaml');
  writeFileSync(path, fixture);
});
afterEach(async () => {
  await watcher?.close();
  watcher = null;
  rmSync(dir, { recursive: true, force: true });
});

describe('ConfigWatcher', () => {
  it('delivers a changed valid file and keeps the old config for an invalid one', async () => {
    const clock = new ManualClock();
    const initial = (await loadConfig(path, { env: {} })).config;
    const changes: NodepoolConfig[] = [];
    const invalid: ConfigProblem[][] = [];
    watcher = new ConfigWatcher({
      path, env: {}, clock, intervalMs: 1000, initial,
      onChange: (c) => changes.push(c),
      onInvalid: (p) => invalid.push(p),
    });
    watcher.start();

    // Nothing changed: a poll delivers nothing.
    await clock.advance(1000);
    expect(await watcher.checkNow()).toBe(false);
    expect(changes).toHaveLength(0);

    writeFileSync(path, fixture.replace('min-ready: 1', 'min-ready: 13'));
    await waitFor(async () => { await clock.advance(1000); return changes.length === 1; }, { timeoutMs: 10_000 });
    expect(changes[0].labels[0].minReady).toBe(13);
    expect(watcher.config).toBe(changes[0]);

    writeFileSync(path, fixture.replace('min-ready: 1', 'min-ready: lots'));
    await waitFor(async () => { await clock.advance(1000); return invalid.length === 1; }, { timeoutMs: 10_000 });
    expect(invalid[0].map((p) => [p.line, p.col, p.path])).toEqual([[10, 16, 'labels[0].min-ready']]);
    expect(watcher.config?.labels[0].minReady).toBe(13);
    expect(changes).toHaveLength(1);
  });
});
