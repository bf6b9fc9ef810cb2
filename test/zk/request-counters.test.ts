// The launcher's own ZooKeeper cost (issue 13): every request a client submits is counted by
// operation, and the launcher exports the totals at /metrics.
import { afterAll, describe, expect, it } from 'vitest';
import { connectZkClient } from '../../src/zk/client.ts';
import { zkGauges } from '../../src/launcher/zk-stats.ts';
import { NodepoolMetrics } from '../../src/stats/metrics.ts';
import { testZk } from '../harness/zk.ts';

const zk = testZk({ name: 'request-counters' });
afterAll(() => zk.closeAll());

describe('ZooKeeper request counters', () => {
  it('count what a real client submits, by operation, exported with hostname and op labels', async () => {
    const client = await connectZkClient({ servers: zk.servers, chroot: zk.chroot });
    try {
      await client.mkdirp('/counted');
      const before = new Map(client.requestsByOp);
      await client.getData('/counted');
      await client.getData('/counted');
      await client.getChildren('/counted');
      const delta = (op: string) => (client.requestsByOp.get(op) ?? 0) - (before.get(op) ?? 0);
      expect(delta('getData')).toBe(2);
      expect(delta('getChildren2')).toBe(1);
      expect(delta('create')).toBe(0);

      const metrics = new NodepoolMetrics();
      for (const [k, v] of zkGauges('nl01', client, {})) metrics.gauge(k, v);
      const text = metrics.prometheusText();
      expect(text).toContain(`nodepool_launcher_zk_requests{hostname="nl01",op="getData"} ${client.requestsByOp.get('getData')}`);
      expect(text).toContain('nodepool_launcher_zk_requests{hostname="nl01",op="getChildren2"} 1');
    } finally {
      await client.close();
    }
  });
});
