// Provider quota as upstream computes it: the cloud's limits (Nova, and Cinder's volume limits)
// minus what servers nodepool does not manage use. A request that can never fit in what is left
// is declined ("it would exceed quota"); ignore-provider-quota skips the cloud's figures.
import { afterEach, describe, expect, it } from 'vitest';
import { newRequest } from '../../src/model/factories.ts';
import { DECLINE_QUOTA } from '../../src/launcher/decline-reasons.ts';
import { startEnv, simpleYaml, type LauncherEnv } from './launcher-env.ts';

describe('provider quota with unmanaged usage', () => {
  let env: LauncherEnv | undefined;
  afterEach(async () => { await env?.close(); env = undefined; });

  const submit = (e: LauncherEnv, labels: string[]) =>
    e.zuul.submitRequest(newRequest({ node_types: labels, requestor: 'zuul' }, Date.now()), '200', false);

  it('declines a request that only fits if other tenants\' servers were not counted', async () => {
    env = await startEnv({ name: 'pq-cores', sim: { quotas: { instances: 10, cores: 4, ram: 1_000_000 } }, yaml: simpleYaml() });
    const e = env;
    // Someone else's m1.medium holds 2 of the 4 cores.
    await e.sim.admin.injectServer({ name: 'other-tenant', flavor: 'm1.medium' });
    await e.newLauncher();
    const r = await submit(e, ['small', 'small', 'small']);
    const failed = await env.until(async () => {
      const got = await e.zuul.getRequest(r.id);
      return got?.state === 'failed' ? got : null;
    }, { withinMs: 20_000, message: 'request declined' });
    expect(failed.declined_by).toHaveLength(1);
    const explanations = JSON.stringify(await e.zuul.listExplanations(r.id));
    expect(explanations).toContain(DECLINE_QUOTA);
    // Two small nodes still fit in what is left: that request is served.
    const ok = await submit(e, ['small', 'small']);
    await env.until(async () => (await e.zuul.getRequest(ok.id))?.state === 'fulfilled', { withinMs: 30_000, message: 'two-node request fulfilled' });
  });

  it('counts Cinder volume limits and the volumes of unmanaged servers', async () => {
    const yaml = simpleYaml().replace('flavor-name: m1.tiny', 'flavor-name: m1.tiny\n            boot-from-volume: true\n            volume-size: 30');
    env = await startEnv({ name: 'pq-volumes', sim: { quotas: { instances: 10, cores: 100, ram: 1_000_000, volumes: 10, gigabytes: 100 } }, yaml });
    const e = env;
    await e.sim.admin.injectServer({ name: 'other-tenant', volumeSizeGb: 80 });
    await e.newLauncher();
    const r = await submit(e, ['small']);
    await env.until(async () => (await e.zuul.getRequest(r.id))?.state === 'failed', { withinMs: 20_000, message: '30 GB request declined with 20 GB left' });
    expect(JSON.stringify(await e.zuul.listExplanations(r.id))).toContain(DECLINE_QUOTA);
  });

  it('ignore-provider-quota: the same request is not declined; the pool launches what the cloud allows', async () => {
    const yaml = simpleYaml().replace('        max-servers: 10', '        max-servers: 10\n        ignore-provider-quota: true');
    env = await startEnv({ name: 'pq-ignore', sim: { quotas: { instances: 10, cores: 4, ram: 1_000_000 } }, yaml });
    const e = env;
    await e.sim.admin.injectServer({ name: 'other-tenant', flavor: 'm1.medium' });
    await e.newLauncher();
    const r = await submit(e, ['small', 'small', 'small']);
    // Not declined: it goes pending and two nodes become ready; Nova refuses the third.
    await env.until(async () => (await e.zuul.getRequest(r.id))?.state === 'pending', { withinMs: 20_000, message: 'request pending' });
    await env.until(async () => (await e.zuul.listNodes()).filter((n) => n.allocated_to === r.id && n.state === 'ready').length === 2,
      { withinMs: 30_000, message: 'two nodes ready' });
    const got = await e.zuul.getRequest(r.id);
    expect(got?.declined_by).toEqual([]);
    expect(got?.state).toBe('pending');
  });
});
