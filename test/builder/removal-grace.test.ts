// A diskimage or provider that leaves the config keeps its images for the grace period: a
// reload of a truncated file deletes nothing, and the log says what will go and when.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Janitor } from '../../src/builder/janitor.ts';
import { removalGrace } from '../../src/builder/removal-grace.ts';
import type { BuilderView } from '../../src/builder/builder-context.ts';
import type { NodepoolConfig } from '../../src/config/model.ts';
import { ManualClock } from '../../src/util/clock.ts';
import { captureLogger } from '../store/helpers.ts';
import { builderTestEnv, type BuilderTestEnv } from './builder-env.ts';
import { diskimage, nodepoolConfig } from './config-fixtures.ts';
import { FAKE_DIB } from './fake-dib.ts';

describe('removalGrace', () => {
  it('waits the full period from the first sighting, and starts again after a return', () => {
    const seen = new Map<string, number>();
    expect(removalGrace(seen, 'k', false, 1000, 600_000)).toEqual({ waiting: true, deleteAfterMs: 601_000, newlyMissing: true });
    expect(removalGrace(seen, 'k', false, 600_999, 600_000)).toEqual({ waiting: true, deleteAfterMs: 601_000, newlyMissing: false });
    expect(removalGrace(seen, 'k', true, 601_000, 600_000).waiting).toBe(false);
    expect(removalGrace(seen, 'k', false, 700_000, 600_000)).toEqual({ waiting: true, deleteAfterMs: 1_300_000, newlyMissing: true });
    expect(removalGrace(seen, 'k', false, 1_300_000, 600_000).waiting).toBe(false);
  });
});

let env: BuilderTestEnv;
beforeEach(async () => {
  env = await builderTestEnv('removal-grace', []);
});
afterEach(async () => {
  await env.close();
});

describe('janitor removal grace', { timeout: 120_000 }, () => {
  it('deletes a removed diskimage\'s builds only after the grace period, logging when', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 5, 12, 0, 0));
    const withImage = nodepoolConfig({
      imagesDir: env.imagesDir, buildLogDir: env.logDir, providers: [], imageRemovalGrace: 300,
      diskimages: [diskimage({ name: 'img', dibCmd: FAKE_DIB })],
    });
    const truncated: NodepoolConfig = { ...withImage, diskimages: [] };
    let config = withImage;
    const build = await env.store.createBuild({
      image: 'img', state: 'ready', state_time: clock.now() / 1000, builder: 'nb-test', builder_id: 'test-builder-id',
      formats: ['qcow2'], username: 'zuul', python_path: 'auto', shell_type: null,
    });
    mkdirSync(env.imagesDir, { recursive: true });
    const file = join(env.imagesDir, `img-${build.id}.qcow2`);
    writeFileSync(file, 'image');
    const log = captureLogger();
    const view = (): BuilderView => ({ config, imagesDir: env.imagesDir, formats: new Map(), providers: new Map() });
    const janitor = new Janitor({ store: env.store, clock, logger: log.logger, hostname: 'nb-test', builderId: 'test-builder-id', view });
    const pass = () => janitor.pass(new AbortController().signal);

    // The truncated file is applied and reverted within the grace period: nothing is deleted.
    config = truncated;
    await pass();
    clock.advance(200_000);
    await pass();
    expect(await env.store.getBuild('img', build.id)).not.toBeNull();
    const warned = log.lines.filter((l) => String(l.msg).startsWith('diskimage is no longer in the config'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ image: 'img', builds: [build.id], deleteAfter: new Date(Date.UTC(2026, 11, 5, 12, 5, 0)).toISOString() });
    config = withImage;
    await pass();
    clock.advance(200_000);
    await pass();
    expect(await env.store.getBuild('img', build.id)).not.toBeNull();

    // Removed for good: kept until the period has passed since it left, then deleted.
    config = truncated;
    await pass();
    clock.advance(299_000);
    await pass();
    expect(existsSync(file)).toBe(true);
    expect(await env.store.getBuild('img', build.id)).not.toBeNull();
    clock.advance(1_000);
    await pass();
    expect(await env.store.getBuild('img', build.id)).toBeNull();
    expect(existsSync(file)).toBe(false);
  });
});
