// The builder's lifecycle: one start per object, a stop during start, reloads one at a time, and
// providers rebuilt when their settings or their clouds.yaml entry change. Loops run on a
// ManualClock, so they make one pass and then wait; the only real waits are conditions with
// deadlines on the simulator and ZooKeeper.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodepoolBuilder } from '../../src/builder/nodepool-builder.ts';
import type { OpenStackProvider } from '../../src/cloud/openstack/provider.ts';
import type { NodepoolConfig, ProviderConfig } from '../../src/config/model.ts';
import { ManualClock } from '../../src/util/clock.ts';
import { waitFor } from '../helpers/wait.ts';
import { builderTestEnv, type BuilderTestEnv } from './builder-env.ts';
import { provider, providerDiskimage } from './config-fixtures.ts';
import { uploadConfig } from './upload-fixtures.ts';

let env: BuilderTestEnv;
beforeEach(async () => {
  env = await builderTestEnv('lifecycle', ['sim-a']);
});
afterEach(async () => {
  await env.close();
});

/** A gate a provider's start() waits on, opened by the test. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

interface Made { provider: OpenStackProvider; config: ProviderConfig; stopped: boolean }

/** A builder whose provider objects are recorded; `startGate` (if set) holds up their start(). */
function recordingBuilder(config: NodepoolConfig, over: { fingerprint?: () => string } = {}) {
  const made: Made[] = [];
  let startGate: Promise<void> | null = null;
  const builder: NodepoolBuilder = env.builder(config, {
    clock: new ManualClock(),
    mode: 'upload-only',
    providerFactory: (pc) => {
      const p = env.provider(pc);
      const entry: Made = { provider: p, config: pc, stopped: false };
      made.push(entry);
      const start = p.start.bind(p);
      const stop = p.stop.bind(p);
      const held = startGate;
      p.start = async () => {
        if (held) await held;
        return start();
      };
      p.stop = async () => {
        entry.stopped = true;
        return stop();
      };
      return p;
    },
    providerSourceFingerprint: over.fingerprint,
  });
  return { builder, made, holdStarts: (g: Promise<void> | null) => (startGate = g) };
}

const sims = (over: Partial<ProviderConfig> = {}) => uploadConfig(env, [provider({ name: 'sim-a', diskimages: [providerDiskimage('img')], ...over })]);

describe('builder lifecycle', { timeout: 120_000 }, () => {
  it('refuses a second start and a start after stop; every stop call waits for the one stop', async () => {
    const { builder } = recordingBuilder(sims());
    await builder.start();
    await expect(builder.start()).rejects.toThrow(/cannot start a builder that is running/);
    const first = builder.stop();
    await builder.stop(); // a second stop resolves only once the stop is done
    expect(builder.state).toBe('stopped');
    await first;
    await builder.stop();
    await expect(builder.start()).rejects.toThrow(/cannot start a builder that is stopped/);
    expect(await env.store.listComponents('builder')).toEqual([]);
  });

  it('a stop during start waits for it, and nothing the start built keeps running', async () => {
    const { builder, made, holdStarts } = recordingBuilder(sims());
    const g = gate();
    holdStarts(g.opened);
    const starting = builder.start();
    await waitFor(() => made.length === 1, { message: 'provider being started' });
    const stopping = builder.stop();
    g.open();
    await expect(starting).rejects.toThrow();
    await stopping;
    expect(builder.state).toBe('stopped');
    const loops = builder.loops();
    expect(loops.janitor).toBeNull();
    expect([...loops.uploads.values()].some((l) => l?.active)).toBe(false);
    expect(made.map((m) => m.stopped)).toEqual([true]);
    expect(await env.store.listComponents('builder')).toEqual([]);
  });

  it('runs reloads one at a time: the last config wins and every replaced provider is stopped', async () => {
    const { builder, made, holdStarts } = recordingBuilder(sims());
    await builder.start();
    const g = gate();
    holdStarts(g.opened);
    const second = sims({ imageUploadTimeout: 100 });
    const third = sims({ imageUploadTimeout: 200 });
    const reloads = Promise.all([builder.reload(second), builder.reload(third)]);
    await waitFor(() => made.length === 2, { message: 'second provider being started' });
    g.open();
    await reloads;
    expect(made.map((m) => m.config.imageUploadTimeout)).toEqual([3600, 100, 200]);
    expect(made.map((m) => m.stopped)).toEqual([true, true, false]);
    expect(builder.ctx.view().providers.get('sim-a')).toBe(made[2].provider);
    expect([...builder.loops().uploads.values()].every((l) => l?.active)).toBe(true);
  });

  it('rebuilds a provider when its clouds.yaml entry changes (credential rotation), not otherwise', async () => {
    let clouds = 'password: one';
    const { builder, made } = recordingBuilder(sims(), {
      fingerprint: () => {
        if (clouds === 'unreadable') throw new Error('clouds.yaml: bad YAML');
        return clouds;
      },
    });
    await builder.start();
    await builder.reload(sims());
    expect(made).toHaveLength(1);
    clouds = 'unreadable';
    await builder.reload(sims());
    expect(made).toHaveLength(1);
    clouds = 'password: two';
    await builder.reload(sims());
    expect(made).toHaveLength(2);
    expect(made.map((m) => m.stopped)).toEqual([true, false]);
    expect(builder.ctx.view().providers.get('sim-a')).toBe(made[1].provider);
  });
});
