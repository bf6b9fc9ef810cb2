// The launcher's scheduling and lifecycle on a ManualClock: the loop runs passes when they
// said, and early when poked; the crons follow their pattern, never overlap, and are waited for
// at stop; a driver that fails to start is retried with backoff and rebuilt when its inputs
// change; a launcher starts once and a stop during start (ZooKeeper unreachable) ends it.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ManualClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { LauncherLoop, type LoopPass } from '../../src/launcher/launcher-loop.ts';
import { CronPass } from '../../src/launcher/cron-pass.ts';
import { DriverRegistry, driverRetryDelay } from '../../src/launcher/driver-registry.ts';
import { Launcher } from '../../src/launcher/launcher.ts';
import type { NodeDriver } from '../../src/launcher/driver/driver.ts';
import type { NodepoolConfig, ProviderConfig } from '../../src/config/model.ts';
import type { Store } from '../../src/store/types.ts';
import { ConnectionLossError } from '../../src/zk/errors.ts';

const logger = silentLogger();
/** Lets pending promise continuations run (no time passes on the ManualClock). */
const settle = async (rounds = 5) => { for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r)); };

function countingPass(name: string, delayMs: number): LoopPass & { runs: number } {
  const pass = { name, runs: 0, run: async () => { pass.runs++; return delayMs; } };
  return pass;
}

describe('LauncherLoop', () => {
  it('runs each pass again when it asked to, and a poked pass at once', async () => {
    const clock = new ManualClock();
    const fast = countingPass('fast', 1000);
    const slow = countingPass('slow', 5000);
    const loop = new LauncherLoop([fast, slow], clock, logger);
    loop.start();
    await settle();
    expect([fast.runs, slow.runs]).toEqual([1, 1]);
    await clock.advance(999);
    expect([fast.runs, slow.runs]).toEqual([1, 1]);
    await clock.advance(1);
    await settle();
    expect([fast.runs, slow.runs]).toEqual([2, 1]);
    loop.poke('slow');
    await settle();
    expect([fast.runs, slow.runs]).toEqual([2, 2]);
    await loop.stop();
    await clock.advance(10_000);
    expect([fast.runs, slow.runs]).toEqual([2, 2]);
  });

  it('keeps going after a pass throws, and stop() waits for the pass in flight', async () => {
    const clock = new ManualClock();
    let release!: () => void;
    let failing = true;
    const flaky: LoopPass = { name: 'flaky', run: async () => { if (failing) throw new Error('boom'); return 1000; } };
    const blocking: LoopPass = { name: 'blocking', run: () => new Promise<number>((r) => { release = () => r(1000); }) };
    const loop = new LauncherLoop([flaky, blocking], clock, logger);
    loop.start();
    await settle();
    failing = false;
    let stopped = false;
    const stopping = loop.stop().then(() => { stopped = true; });
    await settle();
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(stopped).toBe(true);
  });
});

describe('CronPass', () => {
  it('runs on the pattern, never two runs at once, and the loop stop waits for a run', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 0, 0));
    const runs: number[] = [];
    let finishRun: (() => void) | null = null;
    const worker = { runOnce: () => new Promise<void>((r) => { runs.push(clock.now()); finishRun = r; }) };
    let pattern = '*/10 * * * * *';
    const loop: LauncherLoop = new LauncherLoop([new CronPass({
      name: 'cleanup', pattern: () => pattern, worker, clock, logger, track: (w) => { loop.track(w); },
    })], clock, logger);
    loop.start();
    await settle();
    expect(runs).toEqual([]); // the first run is at the pattern's next time, not at start
    await clock.advance(10_000);
    await settle();
    expect(runs).toEqual([Date.UTC(2026, 0, 1, 0, 0, 10)]);
    // Still running at the next time: that run is skipped.
    await clock.advance(10_000);
    await settle();
    expect(runs).toHaveLength(1);
    finishRun!();
    await settle();
    await clock.advance(10_000);
    await settle();
    expect(runs).toEqual([Date.UTC(2026, 0, 1, 0, 0, 10), Date.UTC(2026, 0, 1, 0, 0, 30)]);
    // A reload's new pattern is followed without restarting anything.
    finishRun!();
    pattern = '0 * * * *';
    await clock.advance(10_000);
    await settle();
    expect(runs).toHaveLength(2);
    await clock.advance(Date.UTC(2026, 0, 1, 1, 0, 0) - clock.now());
    await settle();
    expect(runs.at(-1)).toBe(Date.UTC(2026, 0, 1, 1, 0, 0));
    // stop() waits for the run in flight.
    let stopped = false;
    const stopping = loop.stop().then(() => { stopped = true; });
    await settle();
    expect(stopped).toBe(false);
    finishRun!();
    await stopping;
  });

  it('logs each finished run at info with how long it took on the clock', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 0, 0, 0));
    const lines: { level: number; msg: string; cron?: string; ms?: number }[] = [];
    const info = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    let finishRun: (() => void) | null = null;
    const worker = { runOnce: () => new Promise<void>((r) => { finishRun = r; }) };
    const loop: LauncherLoop = new LauncherLoop([new CronPass({
      name: 'check', pattern: () => '*/10 * * * * *', worker, clock, logger: info, track: (w) => { loop.track(w); },
    })], clock, info);
    loop.start();
    await settle();
    await clock.advance(10_000);
    await settle();
    await clock.advance(2500);
    finishRun!();
    await settle();
    expect(lines.filter((l) => l.msg === 'cron run finished')).toEqual([expect.objectContaining({ level: 30, cron: 'check', ms: 2500 })]);
    const stopping = loop.stop();
    await settle();
    await stopping;
  });
});

function fakeDriver(name: string, stops: string[]): NodeDriver {
  return {
    providerName: name, kind: 'fake', launchesNodes: true, pauseAtQuota: true, pollMs: 10,
    start: async () => {}, stop: async () => { stops.push(name); },
    launch: () => { throw new Error('not used'); },
    findInstance: async () => null,
    delete: () => ({ state: 'complete', complete: true, advance: async () => {} }),
    listInstances: async () => [], getInstance: async () => null,
    quotaLimits: async () => null, labelResources: async () => ({ instances: 1 }),
    cloudImageExists: async () => true, availabilityZones: async () => [], consoleLog: async () => '',
  };
}

describe('DriverRegistry', () => {
  const provider = { name: 'p1', pools: [] } as unknown as ProviderConfig;
  const config = { providers: [provider] } as unknown as NodepoolConfig;

  it('retries a driver that failed to start with backoff, then starts its context', async () => {
    const clock = new ManualClock();
    let attempts = 0;
    const stops: string[] = [];
    const registry = new DriverRegistry({
      drivers: new Map(), clock, logger, nodes: { get: () => undefined, values: () => [] },
      factory: async (p) => { attempts++; if (attempts < 3) throw new Error('keystone down'); return fakeDriver(p.name, stops); },
    });
    expect(await registry.sync(config)).toBe(driverRetryDelay(1));
    await clock.advance(driverRetryDelay(1) - 1);
    expect(await registry.sync(config)).toBe(1);
    expect(attempts).toBe(1);
    await clock.advance(1);
    expect(await registry.sync(config)).toBe(driverRetryDelay(2));
    expect(driverRetryDelay(2)).toBe(2 * driverRetryDelay(1));
    await clock.advance(driverRetryDelay(2));
    expect(await registry.sync(config)).toBeNull();
    expect(attempts).toBe(3);
    expect(registry.drivers.get('p1')?.kind).toBe('fake');
    expect(registry.contexts.get('p1')?.driver).toBe(registry.drivers.get('p1'));
  });

  it('rebuilds a driver whose fingerprint changed and stops the one it replaced', async () => {
    const clock = new ManualClock();
    const stops: string[] = [];
    let secret = 'a';
    let built = 0;
    const registry = new DriverRegistry({
      drivers: new Map(), clock, logger, nodes: { get: () => undefined, values: () => [] },
      factory: async (p) => { built++; return fakeDriver(p.name, stops); },
      fingerprint: () => secret,
    });
    await registry.sync(config);
    const first = registry.drivers.get('p1');
    await registry.sync(config);
    expect(built).toBe(1);
    secret = 'b';
    await registry.sync(config);
    expect(built).toBe(2);
    expect(registry.drivers.get('p1')).not.toBe(first);
    expect(registry.contexts.get('p1')?.driver).toBe(registry.drivers.get('p1'));
    expect(stops).toEqual(['p1']);
    await registry.stopAll();
    expect(stops).toEqual(['p1', 'p1']);
  });
});

describe('Launcher lifecycle', () => {
  function unreachableStore(): { store: Store; inits: () => number } {
    let inits = 0;
    const store = { init: async () => { inits++; throw new ConnectionLossError(-4, 'zookeeper unreachable'); } } as unknown as Store;
    return { store, inits: () => inits };
  }

  it('refuses a second start, and a stop during start (ZooKeeper unreachable) ends it', async () => {
    const clock = new ManualClock();
    const { store, inits } = unreachableStore();
    const launcher = new Launcher({ deps: { store, getConfig: () => ({ providers: [] }) as unknown as NodepoolConfig, drivers: new Map(), clock, logger, hostname: 'h' } });
    expect(launcher.state).toBe('new');
    const starting = launcher.start();
    starting.catch(() => undefined);
    await expect(launcher.start()).rejects.toThrow(/starts only once/);
    await settle();
    await clock.advance(250);
    await settle();
    expect(inits()).toBe(2); // retrying through the outage on the injected clock
    await launcher.stop();
    await expect(starting).rejects.toThrow();
    expect(launcher.state).toBe('stopped');
    await expect(launcher.start()).rejects.toThrow(/starts only once/);
    await clock.advance(60_000);
    expect(inits()).toBe(2);
  });

  it('a launcher never started stops at once', async () => {
    const clock = new ManualClock();
    const launcher = new Launcher({ deps: { store: unreachableStore().store, getConfig: () => ({ providers: [] }) as unknown as NodepoolConfig, drivers: new Map(), clock, logger, hostname: 'h' } });
    await launcher.stop();
    expect(launcher.state).toBe('stopped');
    await expect(launcher.start()).rejects.toThrow(/starts only once/);
  });
});
