// Reload safety: a changed config is applied only after the files stayed unchanged for a
// moment and two parses agreed, so a truncated-but-valid intermediate file is never applied.
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, validateConfigText } from '../../src/config/load.ts';
import type { ConfigProblem } from '../../src/config/errors.ts';
import type { NodepoolConfig } from '../../src/config/model.ts';
import { ConfigWatcher } from '../../src/config/watcher.ts';
import { ManualClock } from '../../src/util/clock.ts';
import { waitFor } from '../helpers/wait.ts';

const full = readFileSync(join(import.meta.dirname, '../fixtures/config/current-two-providers.yaml'), 'utf8');
// What a reader sees halfway through an in-place write: the second provider is missing.
const truncated = full.slice(0, full.indexOf('  - name: west'));

let dir: string;
let path: string;
let watcher: ConfigWatcher | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nodepool-settle-'));
  path = join(dir, 'nodepool.yaml');
  writeFileSync(path, full);
});
afterEach(async () => {
  await watcher?.close();
  watcher = null;
  rmSync(dir, { recursive: true, force: true });
});

async function setup(clock: ManualClock) {
  const initial = (await loadConfig(path, { env: {} })).config;
  const changes: NodepoolConfig[] = [];
  const invalid: ConfigProblem[][] = [];
  watcher = new ConfigWatcher({
    path, env: {}, clock, intervalMs: 1000, settleMs: 2000, initial,
    onChange: (c) => changes.push(c),
    onInvalid: (p) => invalid.push(p),
  });
  /** One poll, one second later. */
  const poll = async () => {
    await clock.advance(1000);
    return watcher!.checkNow();
  };
  return { changes, invalid, poll };
}

describe('ConfigWatcher settling', () => {
  it('the truncated file is valid on its own (so only the watcher keeps it out)', () => {
    const result = validateConfigText({ file: path, text: truncated, env: {} });
    expect(result.errors).toEqual([]);
    expect(result.config?.providers.map((p) => p.name)).toEqual(['east']);
  });

  it('a truncated but valid file written over the running one and back is never applied', async () => {
    const clock = new ManualClock();
    const { changes, poll } = await setup(clock);
    writeFileSync(path, truncated);
    expect(await poll()).toBe(false);
    expect(await poll()).toBe(false);
    writeFileSync(path, full);
    for (let i = 0; i < 8; i++) await poll();
    // The restored file may be re-delivered (same content); the truncated one never is.
    for (const c of changes) expect(c.providers.map((p) => p.name)).toEqual(['east', 'west']);
  });

  it('a real change is applied once stable for the settle time and parsed twice the same', async () => {
    const clock = new ManualClock();
    const { changes, poll } = await setup(clock);
    writeFileSync(path, full.replace('min-ready: 6', 'min-ready: 4'));
    const results: boolean[] = [];
    for (let i = 0; i < 5; i++) results.push(await poll());
    // seen (t=1s), stable 1 s, stable 2 s: first parse, second parse agrees: applied at t=4s.
    expect(results).toEqual([false, false, false, true, false]);
    expect(changes).toHaveLength(1);
    expect(changes[0].labels[0].minReady).toBe(4);
  });

  it('two parses that disagree (content changed under the same mtime and size) delay the change', async () => {
    const clock = new ManualClock();
    const { changes, poll } = await setup(clock);
    const b = full.replace('min-ready: 6', 'min-ready: 4');
    const c = full.replace('min-ready: 6', 'min-ready: 5');
    writeFileSync(path, b);
    const stamp = 1_780_000_000; // whole seconds, so the restored mtime is exactly equal
    utimesSync(path, stamp, stamp);
    await poll();
    await poll();
    expect(await poll()).toBe(false); // first parse of b
    writeFileSync(path, c);
    utimesSync(path, stamp, stamp); // same inode, size and mtime: the fingerprint cannot tell
    expect(statSync(path).mtimeMs).toBe(stamp * 1000);
    expect(await poll()).toBe(false); // second parse differs
    expect(changes).toHaveLength(0);
    expect(await poll()).toBe(true);
    expect(changes.map((x) => x.labels[0].minReady)).toEqual([5]);
  });

  it('the poll loop survives a failing look and keeps delivering later changes', async () => {
    const clock = new ManualClock();
    const initial = (await loadConfig(path, { env: {} })).config;
    const changes: number[] = [];
    const invalid: string[] = [];
    let throwOnce = true;
    watcher = new ConfigWatcher({
      path, env: {}, clock, intervalMs: 1000, settleMs: 2000, initial,
      onChange: (cfg) => {
        if (throwOnce) { throwOnce = false; throw new Error('apply blew up'); }
        changes.push(cfg.labels[0].minReady);
      },
      onInvalid: (p) => invalid.push(...p.map((x) => x.message)),
    });
    watcher.start();
    writeFileSync(path, full.replace('min-ready: 6', 'min-ready: 4'));
    await waitFor(async () => { await clock.advance(1000); return invalid.length > 0; }, { timeoutMs: 10_000 });
    expect(invalid[0]).toContain('apply blew up');
    writeFileSync(path, full.replace('min-ready: 6', 'min-ready: 3'));
    await waitFor(async () => { await clock.advance(1000); return changes.length > 0; }, { timeoutMs: 10_000 });
    expect(changes).toEqual([3]);
  });
});
