// The tree cache follows creates, changes and deletes below its root (real server, both transports).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZooKeeperClient } from '../../src/zk/client.ts';
import { TreeCache } from '../../src/zk/tree-cache.ts';
import { CreateMode } from '../../src/zk/types.ts';
import { waitFor } from '../helpers/wait.ts';
import { testZk, ZK_TRANSPORTS } from '../harness/zk.ts';

describe.each(ZK_TRANSPORTS)('tree cache over %s', (transport) => {
  const zk = testZk({ transport, name: `cache-${transport}` });
  let reader: ZooKeeperClient;
  let writer: ZooKeeperClient;
  beforeAll(async () => {
    [reader, writer] = await Promise.all([zk.connect(), zk.connect()]);
  });
  afterAll(() => zk.closeAll());

  it('loads the existing subtree, then follows creates, changes and deletes', async () => {
    await writer.mkdirp('/nodepool/nodes');
    await writer.create('/nodepool/nodes/0000000001', '{"state":"building"}');
    await writer.create('/nodepool/nodes/0000000001/lock');
    const cache = new TreeCache(reader, '/nodepool/nodes');
    const changes: [string, string | undefined][] = [];
    cache.on('changed', (path: string, data?: Buffer) => changes.push([path, data?.toString()]));
    await cache.ready;
    expect(cache.get('/nodepool/nodes/0000000001')!.data.toString()).toBe('{"state":"building"}');
    expect(cache.children('/nodepool/nodes')).toEqual(['0000000001']);
    expect(cache.children('/nodepool/nodes/0000000001')).toEqual(['lock']);

    await writer.create('/nodepool/nodes/0000000002', '{"state":"ready"}');
    await writer.setData('/nodepool/nodes/0000000001', '{"state":"ready"}');
    await writer.create('/nodepool/nodes/0000000001/lock/abc__lock__0000000000', '');
    await writer.delete('/nodepool/nodes/0000000001/lock/abc__lock__0000000000');
    await writer.deleteRecursive('/nodepool/nodes/0000000002');
    await waitFor(() => cache.get('/nodepool/nodes/0000000001')?.data.toString() === '{"state":"ready"}'
      && cache.get('/nodepool/nodes/0000000002') === undefined
      && changes.some(([p, d]) => p === '/nodepool/nodes/0000000002' && d === undefined), { message: 'cache caught up' });
    expect(cache.children('/nodepool/nodes')).toEqual(['0000000001']);
    expect(cache.children('/nodepool/nodes/0000000001/lock')).toEqual([]);
    expect(changes).toContainEqual(['/nodepool/nodes/0000000002', '{"state":"ready"}']);
    // Created and deleted before its read came back: never cached, so never reported.
    expect(cache.get('/nodepool/nodes/0000000001/lock/abc__lock__0000000000')).toBeUndefined();

    // A burst of writes ends in the last value for every node.
    await Promise.all(Array.from({ length: 50 }, (_, i) => writer.create(`/nodepool/nodes/b${i}`, 'v0')));
    for (let v = 1; v <= 5; v++) await Promise.all(Array.from({ length: 50 }, (_, i) => writer.setData(`/nodepool/nodes/b${i}`, `v${v}`)));
    await waitFor(() => Array.from({ length: 50 }, (_, i) => cache.get(`/nodepool/nodes/b${i}`)?.data.toString()).every((d) => d === 'v5'),
      { message: 'burst applied' });
    await cache.close();
    await writer.setData('/nodepool/nodes/0000000001', 'after close');
    await writer.sync('/');
    await reader.sync('/');
    expect(cache.get('/nodepool/nodes/0000000001')!.data.toString()).toBe('{"state":"ready"}');
  });

  it('with dataDepth 1 tracks deeper znodes by name only, without reading them', async () => {
    await writer.mkdirp('/depth/n1');
    const cache = new TreeCache(reader, '/depth', { dataDepth: 1 });
    await cache.ready;
    const reads: string[] = [];
    const realGetData = reader.getData.bind(reader);
    reader.getData = ((path: string, ...rest: []) => { reads.push(path); return realGetData(path, ...rest); }) as typeof reader.getData;
    try {
      await writer.create('/depth/n1/lock', '');
      await writer.create('/depth/n1/lock/c__lock__0000000001', 'owner');
      await writer.create('/depth/n2', 'record');
      await waitFor(() => cache.get('/depth/n2')?.data.toString() === 'record'
        && cache.children('/depth/n1/lock').length === 1, { message: 'cache caught up' });
      expect(cache.children('/depth/n1/lock')).toEqual(['c__lock__0000000001']);
      expect(cache.get('/depth/n1/lock/c__lock__0000000001')!.data.length).toBe(0);
      expect(reads).toEqual(['/depth/n2']);
      await writer.delete('/depth/n1/lock/c__lock__0000000001');
      await waitFor(() => cache.children('/depth/n1/lock').length === 0, { message: 'contender gone' });
    } finally {
      reader.getData = realGetData;
      await cache.close();
    }
  });

  it("takes its own client's writes from their replies, not by reading them again; others' writes are read", async () => {
    await writer.mkdirp('/own');
    await writer.create('/own/r1', 'v0');
    const cache = new TreeCache(reader, '/own', { dataDepth: 1 });
    await cache.ready;
    const getData = () => reader.requestsByOp.get('getData') ?? 0;
    const before = getData();
    const seen: string[] = [];
    cache.on('changed', (path: string, data?: Buffer) => seen.push(`${path}=${data?.toString()}`));
    try {
      for (let v = 1; v <= 20; v++) await reader.setData('/own/r1', `v${v}`);
      // Each reply was applied synchronously with it: the cache already holds the last write.
      expect(cache.get('/own/r1')!.data.toString()).toBe('v20');
      expect(cache.get('/own/r1')!.stat.version).toBe(20);
      expect(seen).toHaveLength(20);
      await Promise.all(Array.from({ length: 10 }, (_, i) => reader.setData('/own/r1', `c${i}`)));
      expect(cache.get('/own/r1')!.data.toString()).toBe('c9');
      await reader.sync('/own');
      expect(getData() - before).toBe(0);

      // A write that fails (wrong version) changes nothing and reads nothing.
      await expect(reader.setData('/own/r1', 'stale', 1)).rejects.toThrow();
      expect(cache.get('/own/r1')!.data.toString()).toBe('c9');

      // Another session's write is read, as before.
      await writer.setData('/own/r1', 'theirs');
      await waitFor(() => cache.get('/own/r1')?.data.toString() === 'theirs', { message: 'foreign write read' });
      expect(getData() - before).toBe(1);

      // Ours and theirs interleaved end in the server's last value.
      await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? writer : reader).setData('/own/r1', `m${i}`)));
      await reader.sync('/own');
      const final = await writer.getData('/own/r1');
      await waitFor(() => cache.get('/own/r1')?.data.toString() === final.data.toString(), { message: 'interleaved writes settled' });
      expect(cache.get('/own/r1')!.stat.version).toBe(final.stat.version);
    } finally {
      await cache.close();
    }
  });

  it("takes its own sequential creates from their replies; another session's creates are read", async () => {
    await writer.mkdirp('/seq');
    const cache = new TreeCache(reader, '/seq', { dataDepth: 1 });
    await cache.ready;
    const getData = () => reader.requestsByOp.get('getData') ?? 0;
    const before = getData();
    try {
      const mine = await Promise.all(Array.from({ length: 20 }, (_, i) => reader.create2('/seq/', `{"n":${i}}`, CreateMode.PERSISTENT_SEQUENTIAL)));
      // Each reply was applied with it: the records are there, with the server's stat.
      for (const [i, { path, stat }] of mine.entries()) {
        expect(cache.get(path)!.data.toString()).toBe(`{"n":${i}}`);
        expect(cache.get(path)!.stat.czxid).toBe(stat.czxid);
      }
      // Another session's sequential creates, some while ours are in flight, are read.
      const [theirs] = await Promise.all([
        Promise.all(Array.from({ length: 5 }, (_, i) => writer.create2('/seq/', `theirs-${i}`, CreateMode.PERSISTENT_SEQUENTIAL))),
        Promise.all(Array.from({ length: 5 }, (_, i) => reader.create2('/seq/', `more-${i}`, CreateMode.PERSISTENT_SEQUENTIAL))),
      ]);
      for (const [i, { path }] of theirs.entries()) {
        await waitFor(() => cache.get(path)?.data.toString() === `theirs-${i}`, { message: `foreign create ${path} read` });
      }
      await reader.sync('/seq');
      expect(cache.children('/seq')).toHaveLength(30);
      // Only the other session's five were read.
      expect(getData() - before).toBe(5);
      // A create that fails leaves nothing behind and no wait.
      await expect(reader.create2('/seq/missing/', 'x', CreateMode.PERSISTENT_SEQUENTIAL)).rejects.toThrow();
      expect(cache.children('/seq')).toHaveLength(30);
    } finally {
      await cache.close();
    }
  });

  it('starts on a missing root and picks it up when created', async () => {
    const cache = new TreeCache(reader, '/later');
    await cache.ready;
    expect(cache.get('/later')).toBeUndefined();
    await writer.create('/later', 'here');
    await writer.create('/later/kid', 'k');
    await waitFor(() => cache.get('/later/kid')?.data.toString() === 'k');
    expect(cache.children('/later')).toEqual(['kid']);
    await cache.close();
  });
});
