// Every fault the simulator can inject, and the typed outcome the client turns it into.
// After each test the simulator must hold nothing the test created.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudTimeoutError, QuotaError, TerminalError, TransientError } from '../../../src/cloud/errors.ts';
import type { OpenStackProvider } from '../../../src/cloud/openstack/provider.ts';
import { RETRY_POLICY } from '../../../src/cloud/openstack/retry-policy.ts';
import { makeLabel, makePool, runCreate, runDelete, serverSpec } from '../contract/fixtures.ts';
import { writeTestImage } from '../contract/targets.ts';
import { waitFor } from '../../helpers/wait.ts';
import { expectNothingLeft, FastClock, startHarness, type SimHarness } from './sim-harness.ts';

describe('fault injection (simulator)', () => {
  let h: SimHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());
  afterEach(async () => {
    h.sim.admin.clearFaults();
    h.sim.admin.setQuotas({ instances: 10, cores: 20, ram: 51200 });
    // Remove whatever a failed test left, then prove the simulator is clean.
    const p = await h.provider();
    for (const s of await h.sim.admin.listServers()) await runDelete(p.deleteServer(s.id)).catch(() => undefined);
    await expectNothingLeft(h);
  });

  const label = makeLabel({ flavorName: 'm1.tiny' });
  const pool = makePool({ networks: ['private'] });
  let n = 0;
  const imageNames = async () => (await h.sim.admin.state()).images.map((i) => i.name);
  const spec = (p = pool) => serverSpec(`np${String(++n).padStart(10, '0')}`, label, p, h.bootImageId);

  /** Creates a server expecting `advance()` to fail, then deletes whatever was submitted. */
  async function createExpectingFailure(provider: OpenStackProvider, p = pool): Promise<unknown> {
    const sm = provider.createServer(spec(p));
    let error: unknown = null;
    try {
      await runCreate(sm, { timeoutMs: 20_000, intervalMs: 20 });
    } catch (err) {
      error = err;
    }
    if (sm.externalId) await runDelete(provider.deleteServer(sm.externalId), { intervalMs: 20 });
    return error;
  }

  it('latency under the timeout is only slow; over it, a non-retried call fails with CloudTimeoutError', async () => {
    const clock = new FastClock();
    const p = await h.provider({}, { requestTimeoutMs: 150, clock });
    h.sim.admin.setFaults({ latencyMs: 50 });
    // A whole create and delete under the timeout: slow, not failed; it also fills the flavor and
    // network caches, so below the only call the create makes is its POST.
    const warm = await runCreate(p.createServer(spec()), { intervalMs: 20 });
    await runDelete(p.deleteServer(warm.externalId), { intervalMs: 20 });
    h.sim.admin.setFaults({ latencyMs: 400 });
    const sleepsBefore = clock.sleeps.length;
    // POST /servers is not idempotent, so the timeout surfaces at once instead of being retried
    // (a retry would first sleep its backoff on the provider's clock).
    const s = spec();
    const sm = p.createServer(s);
    const err = await sm.advance().catch((e) => e);
    expect(err).toBeInstanceOf(CloudTimeoutError);
    expect(sm.externalId).toBeNull();
    expect(clock.sleeps.slice(sleepsBefore)).toEqual([]);
    // The simulator drops a request whose client went away, so nothing was created (afterEach checks).
  });

  it('a fraction of 5xx on every service is absorbed by retries of idempotent calls', async () => {
    const p = await h.provider();
    h.sim.admin.setFaults({ errorRate: { compute: 0.3, network: 0.3, image: 0.3 } });
    for (let i = 0; i < 10; i++) expect((await p.listFlavors()).length).toBeGreaterThan(0);
    // Creating is a POST: a 503 fails the attempt with TransientError; like the launcher, try again.
    let server = null;
    for (let attempt = 0; attempt < 10 && !server; attempt++) {
      const sm = p.createServer(spec());
      try {
        server = await runCreate(sm, { intervalMs: 20 });
      } catch (err) {
        expect(err).toBeInstanceOf(TransientError);
        if (sm.externalId) await runDelete(p.deleteServer(sm.externalId), { intervalMs: 20 });
      }
    }
    expect(server?.status).toBe('ACTIVE');
    await runDelete(p.deleteServer(server!.externalId), { intervalMs: 20 });
  });

  it('5xx on every call: idempotent calls give up after the retry table with TransientError', async () => {
    const clock = new FastClock();
    const p = await h.provider({}, { clock });
    await p.listFlavors(); // warm the token so only compute calls count below
    clock.sleeps.length = 0;
    h.sim.admin.setFaults({ errorRate: { compute: 1 } });
    const err = await p.quotaLimits().catch((e) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err.details).toMatchObject({ status: 503, service: 'compute' });
    expect(err.details.requestId).toMatch(/^req-/);
    // The table's backoff, each shortened by jitter by up to half.
    expect(clock.sleeps).toHaveLength(3);
    [500, 1000, 2000].forEach((base, i) => expect(clock.sleeps[i] >= base / 2 && clock.sleeps[i] <= base).toBe(true));
    expect(clock.sleeps.length).toBe(RETRY_POLICY.serverError.attempts - 1);
  });

  it('429 with Retry-After is waited out and the call succeeds', async () => {
    const clock = new FastClock();
    const p = await h.provider({}, { clock });
    await p.listFlavors();
    clock.sleeps.length = 0;
    h.sim.admin.setFaults({ rateLimit: { count: 2, retryAfterSeconds: 2, service: 'compute' } });
    const limits = await p.quotaLimits();
    expect(limits.instances).toBe(10);
    // Retry-After is honoured and only ever lengthened by jitter.
    expect(clock.sleeps).toHaveLength(2);
    for (const s of clock.sleeps) expect(s >= 2000 && s <= 2400).toBe(true);
  });

  it('Nova refusing the create for quota gives QuotaError and no server', async () => {
    const p = await h.provider();
    h.sim.admin.setFaults({ quotaFailNextCreates: 1 });
    const err = await createExpectingFailure(p);
    expect(err).toBeInstanceOf(QuotaError);
    expect((err as QuotaError).details).toMatchObject({ status: 403, service: 'compute' });
  });

  it('real quota exhaustion (instances 0) gives QuotaError', async () => {
    const p = await h.provider();
    h.sim.admin.setQuotas({ instances: 0 });
    expect(await createExpectingFailure(p)).toBeInstanceOf(QuotaError);
    expect((await p.quotaLimits()).instances).toBe(0);
    h.sim.admin.setQuotas({ instances: -1 });
    expect((await p.quotaLimits()).instances).toBe(Infinity);
  });

  it('a server ending in ERROR with a quota fault gives QuotaError; the half-built server is deleted', async () => {
    const p = await h.provider();
    h.sim.admin.setFaults({ errorServers: { count: 1, quota: true } });
    const err = await createExpectingFailure(p);
    expect(err).toBeInstanceOf(QuotaError);
    expect(String((err as Error).message)).toMatch(/exceeds allowed gigabytes quota/);
  });

  it('a server ending in ERROR for another reason gives TerminalError with the fault', async () => {
    const p = await h.provider();
    h.sim.admin.setFaults({ errorServers: { count: 1 } });
    const err = await createExpectingFailure(p);
    expect(err).toBeInstanceOf(TerminalError);
    expect(err).not.toBeInstanceOf(QuotaError);
    expect(String((err as Error).message)).toMatch(/went to ERROR: No valid host was found/);
  });

  it('a server stuck in BUILD times out with CloudTimeoutError after launch-timeout', async () => {
    const p = await h.provider({ launchTimeout: 1 });
    h.sim.admin.setFaults({ stuckServers: 1 });
    // Without the launch-timeout the state machine would poll for ever and the test time out.
    const err = await createExpectingFailure(p);
    expect(err).toBeInstanceOf(CloudTimeoutError);
    expect(String((err as Error).message)).toMatch(/not ready after 1 s \(state creating server\)/);
  });

  it('expired tokens: the client re-authenticates on 401 and carries on', async () => {
    const p = await h.provider();
    const server = await runCreate(p.createServer(spec()), { intervalMs: 20 });
    const tokensBefore = h.sim.admin.expireTokens();
    expect(tokensBefore).toBeGreaterThan(0);
    expect((await p.getServer(server.externalId))?.status).toBe('ACTIVE');
    // Exactly one new token was issued: the 401 led to one re-authentication.
    expect(h.sim.admin.expireTokens()).toBe(tokensBefore + 1);
    await runDelete(p.deleteServer(server.externalId), { intervalMs: 20 });
  });

  it('a slow upload past image-upload-timeout fails with CloudTimeoutError and leaves no image', async () => {
    const p = await h.provider({ imageUploadTimeout: 1 });
    h.sim.admin.setFaults({ uploadBytesPerSecond: 512 * 1024 });
    // 2 MiB at 512 KiB/s would take 4 s: past the 1 s timeout, so the upload cannot succeed.
    const file = writeTestImage(h.dir, 2 * 1024 * 1024);
    const err = await p.uploadImage({ name: 'slow', filePath: file, format: 'qcow2', metadata: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(CloudTimeoutError);
    expect(await imageNames()).not.toContain('slow');
  });

  it('an aborted upload (caller signal) also leaves no image', async () => {
    const p = await h.provider();
    h.sim.admin.setFaults({ uploadBytesPerSecond: 256 * 1024 });
    const file = writeTestImage(h.dir, 1024 * 1024);
    const ac = new AbortController();
    const uploading = p.uploadImage({ name: 'aborted', filePath: file, format: 'qcow2', metadata: {}, signal: ac.signal }).catch((e) => e);
    // Abort once the data is flowing (the image id is known), not after a guessed delay.
    await waitFor(async () => (await h.sim.admin.state()).images.some((i) => i.name === 'aborted' && i.status === 'saving'), { message: 'upload under way' });
    ac.abort(new Error('builder stopping'));
    const err = await uploading;
    expect(err).toBeInstanceOf(TransientError);
    expect(String(err.message)).toMatch(/aborted/);
    expect(await imageNames()).not.toContain('aborted');
  });
});
