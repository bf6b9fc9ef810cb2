// The web app's listing cache is bounded: distinct query strings (junk parameters, field lists,
// node ids) neither keep a body each nor cost a ZooKeeper sweep each.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { testZk, type TestZk } from '../harness/zk.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { startWebApp, type WebApp } from '../../src/web/app.ts';
import { ResponseCache } from '../../src/web/response-cache.ts';
import { ManualClock } from '../../src/util/clock.ts';
import { newNode } from '../../src/model/factories.ts';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A full collection, so what is measured is what is kept, not garbage not yet collected. */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const settledMemory = () => {
  collectGarbage();
  collectGarbage();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, retained: heapUsed + external + arrayBuffers };
};

describe('ResponseCache limits', () => {
  it('keeps at most maxEntries bodies and maxBytes of them, least recently used out first', async () => {
    const clock = new ManualClock(0);
    const cache = new ResponseCache(clock, 1000, { maxEntries: 4, maxBytes: 80 });
    for (let i = 0; i < 50; i++) await cache.get(`k${i}`, async () => 'x'.repeat(10));
    expect(cache.size).toBe(4);
    expect((await cache.get('k46', async () => 'rendered again')).body).toBe('x'.repeat(10));
    await cache.get('big', async () => 'y'.repeat(60));
    // Over 100 bytes and 4 entries: the least recently used go until both hold; k46 was used last.
    expect(cache.size).toBe(3);
    expect(cache.totalBytes).toBe(80);
    expect((await cache.get('k46', async () => 'rendered again')).body).toBe('x'.repeat(10));
    const huge = await cache.get('huge', async () => 'z'.repeat(500));
    expect(huge.body).toHaveLength(500);
    expect(cache.totalBytes).toBeLessThanOrEqual(80);
  });
});

describe('web app at 2,000 nodes under 5,000 distinct query strings', { timeout: 300_000 }, () => {
  let zk: TestZk;
  let store: ZkStore;
  let app: WebApp;
  let sweeps = 0;
  const ids: string[] = [];

  beforeAll(async () => {
    zk = testZk({ name: 'web-cache-bound' });
    store = new ZkStore(await zk.connect());
    await store.init();
    for (let i = 0; i < 2000; i += 200) {
      const batch = await Promise.all(Array.from({ length: 200 }, (_, j) => store.createNode(newNode({
        state: 'ready', provider: 'cloud-a', pool: 'main', type: ['small'], hostname: `np${i + j}`,
        comment: 'c'.repeat(200), external_id: `srv-${i + j}`,
      }, Date.now()))));
      ids.push(...batch.map((n) => n.id));
    }
    const counting = Object.create(store) as ZkStore;
    counting.listNodesWithLockState = (...args) => {
      sweeps++;
      return store.listNodesWithLockState(...args);
    };
    app = await startWebApp({ store: counting, config: { port: 0 }, isReady: () => true });
  });
  afterAll(async () => {
    await app?.close();
    await zk?.closeAll();
  });

  it('retains less than 20 MB more and sweeps ZooKeeper far less than once per query', async () => {
    const base = `http://127.0.0.1:${app.port}`;
    const fieldSets = ['id,state', 'state,id', 'id', 'id,provider,label', 'bogus,id', 'age,locked'];
    const query = (i: number): string => {
      const path = ['node-list', 'node-list', 'request-list', 'label-list', 'image-list'][i % 5];
      let q = `/${path}?x=${i}&cachebuster=${i * 7919}`;
      if (i % 3 === 0) q += `&fields=${fieldSets[i % fieldSets.length]}`;
      if (path === 'node-list' && i % 50 === 1) q += `&node_id=${ids[i % 100]}`;
      return q;
    };
    const fetchText = async (q: string, json: boolean) => {
      const res = await fetch(base + q, { headers: json ? { accept: 'application/json' } : {} });
      expect(res.status).toBe(200);
      return res.text();
    };
    // Warm up: every listing and format once, so code and buffers are loaded before measuring.
    for (let i = 0; i < 40; i++) await fetchText(query(i), i % 2 === 0);
    const before = settledMemory();
    const sweepsBefore = sweeps;
    let next = 40;
    const worker = async () => {
      while (next < 5040) {
        const i = next++;
        await fetchText(query(i), i % 2 === 0);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const after = settledMemory();
    const retained = after.retained - before.retained;
    // The test process's RSS also holds vitest, the fetch client and freed-but-unreturned pages;
    // what the cache keeps is the retained heap and buffers, measured after full collections.
    console.log(`retained grew ${(retained / 1048576).toFixed(1)} MiB, rss ${((after.rss - before.rss) / 1048576).toFixed(1)} MiB, ${sweeps - sweepsBefore} node sweeps`);
    expect(retained).toBeLessThan(20 * 1024 * 1024);
    // Each full node sweep renders ~1 MB; without normalised keys there would be ~2,000 of them.
    expect(sweeps - sweepsBefore).toBeLessThan(500);
  });
});
