import { afterAll, describe, expect, it } from 'vitest';
import { connectZkClient } from '../../src/zk/client.ts';
import { testZk } from '../harness/zk.ts';

const zk = testZk({ name: 'chroot-create' });
afterAll(() => zk.closeAll());

describe('connectZkClient with an operator chroot that does not exist yet', () => {
  it('creates the chroot (and its ancestors) before the session uses it', async () => {
    const chroot = `${zk.chroot}/deep/nodepool`;
    const client = await connectZkClient({ servers: zk.servers, chroot });
    try {
      await client.mkdirp('/nodepool/nodes');
      expect(await client.exists('/nodepool/nodes')).not.toBeNull();
    } finally {
      await client.close();
    }
    const root = await zk.connectRoot();
    expect(await root.exists(`${chroot}/nodepool/nodes`)).not.toBeNull();
  });
});
