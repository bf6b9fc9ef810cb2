// A server the cloud accepts a DELETE for but never removes: the delete state machine gives up
// with CloudTimeoutError. (The simulator keeps such a server by design, so this test has its own.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudTimeoutError } from '../../../src/cloud/errors.ts';
import { makeLabel, makePool, runCreate, runDelete, serverSpec } from '../contract/fixtures.ts';
import { startHarness, type SimHarness } from './sim-harness.ts';

describe('undeletable server', () => {
  let h: SimHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('times out the delete state machine with CloudTimeoutError', async () => {
    const p = await h.provider({}, { deleteTimeoutMs: 500 });
    const s = await runCreate(p.createServer(serverSpec('np0000000042', makeLabel({ flavorName: 'm1.tiny' }), makePool({ networks: ['private'] }), h.bootImageId)), { intervalMs: 20 });
    h.sim.admin.setFaults({ undeletableServers: 1 });
    const sm = p.deleteServer(s.externalId);
    const err = await runDelete(sm, { intervalMs: 20, timeoutMs: 10_000 }).catch((e) => e);
    expect(err).toBeInstanceOf(CloudTimeoutError);
    expect(sm.state).toBe('waiting for server deletion');
    expect((await h.sim.admin.listServers()).map((x) => x.deleting)).toEqual([true]);
  });
});
