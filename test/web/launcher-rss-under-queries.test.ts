// The launcher as its own process, web app on, 2,000 READY nodes: 5,000 distinct query strings
// (junk parameters, field lists, node ids, both formats) grow its resident set by less than
// 20 MB. What is measured is the daemon's VmRSS after a warm-up and after the queries, each read
// right after a full collection in the daemon (asked for over its inspector): a single reading
// otherwise lands anywhere on V8's old-generation sawtooth (each listing body, up to ~1 MB, is
// garbage in old space until the next mark-compact): at 2,000 nodes readings taken as found sat
// 15-120 MB above the settled ones and moved by up to 90 MB between two points, while the settled
// ones moved by 2-8 MB. A cache keeping one body per query string, or no bound, still shows: those
// bodies are live.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEntry } from '../helpers/spawn.ts';
import { inspectorUrl, openInspector, type InspectorSession } from '../helpers/inspector.ts';
import { waitFor } from '../helpers/wait.ts';
import { newNode } from '../../src/model/factories.ts';
import { NODE_DETAIL_COLUMNS } from '../../src/status/listings.ts';
import { startEnv, simpleYaml, type LauncherEnv } from '../launcher/launcher-env.ts';

const NODES = 2000;
const WARM_UP = 400;
const QUERIES = 5000;
const CONCURRENCY = 8;
const MiB = 1024 * 1024;

/** The process's resident set (bytes), as the kernel counts it. */
function vmRss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  if (!line) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(/(\d+)\s*kB/.exec(line)![1]) * 1024;
}

const LISTINGS = ['node-list', 'node-list', 'request-list', 'label-list', 'image-list', 'dib-image-list', 'image-status'];
// Known keys in any order, unknown keys, blanks: each normalises to a known subset (or all).
const FIELD_SETS = [
  'id,state', 'state,id', 'id', 'id,provider,label', 'bogus,id', 'age,locked', 'hostname,,comment', 'nothing-known',
  'label', 'image,state', 'id,upload_id', ' id , state ', 'requestor,nodes',
];

const NODE_KEYS = NODE_DETAIL_COLUMNS.map((c) => c.key);

/** Known node-list columns picked by the bits of a hash of n: a client inventing field lists
 *  gets a distinct rendering each time, which only the cache's bound keeps from piling up. */
function columnSubset(n: number): string {
  const bits = Math.imul(n + 1, 2654435761) >>> 7;
  const picked = NODE_KEYS.filter((_, b) => (bits >> b) & 1);
  return (picked.length > 0 ? picked : NODE_KEYS.slice(0, 1)).join(',');
}

/** Query i: a listing, a format, maybe fields= and node_id=, and junk that makes it unique. */
function query(i: number, ids: readonly string[]): { path: string; json: boolean } {
  const listing = LISTINGS[i % LISTINGS.length];
  let path = `/${listing}?x=${i}&cachebuster=${(i * 7919) % 100_003}`;
  if (i % 3 === 0) path += `&fields=${encodeURIComponent(FIELD_SETS[i % FIELD_SETS.length])}`;
  if (i % 3 === 1) path += `&fields=${columnSubset(i)}`;
  // Every tenth round of listings asks node-list for one node (text and JSON), every tenth for a missing one.
  const round = Math.floor(i / LISTINGS.length) % 10;
  if (listing === 'node-list' && round === 3) path += `&node_id=${ids[i % ids.length]}`;
  if (listing === 'node-list' && round === 8) path += `&node_id=99${i % 7}`;
  if (i % 11 === 0) path += `&utm_source=${'s'.repeat(i % 64)}&_=${Date.now()}`;
  return { path, json: i % 2 === 0 };
}

describe('launcher process web app at 2,000 nodes under 5,000 distinct query strings', { timeout: 600_000 }, () => {
  let env: LauncherEnv;
  let child: ChildProcess | undefined;
  let inspector: InspectorSession | undefined;
  let output = '';
  const ids: string[] = [];

  beforeAll(async () => {
    env = await startEnv({ clock: 'system', name: 'web-rss', yaml: simpleYaml({ minReady: 0 }) });
    // One server every node names, so the check cron (every 15 min) finds them all alive and
    // nothing is deleted while the test measures; it has no nodepool metadata, so it is no leak.
    const server = await env.sim.admin.injectServer({ name: 'shared-by-the-test-nodes' });
    for (let i = 0; i < NODES; i += 200) {
      const batch = await Promise.all(Array.from({ length: 200 }, (_, j) => env.zuul.createNode(newNode({
        state: 'ready', provider: 'sim', pool: 'main', type: ['small'], hostname: `np${i + j}`, external_id: server.id,
        interface_ip: '192.0.2.10', private_ipv4: '10.0.0.10', username: 'cirros', comment: 'c'.repeat(200),
      }, Date.now()))));
      ids.push(...batch.map((n) => n.id));
    }
  });

  afterAll(async () => {
    inspector?.close();
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    await env?.close();
  });

  it('grows the launcher\'s RSS by less than 20 MB', async () => {
    child = spawnEntry('launcher/main.ts', ['-c', env.configPath], {
      env: { OS_CLIENT_CONFIG_FILE: env.cloudsPath }, stdio: ['ignore', 'pipe', 'pipe'], nodeArgs: ['--inspect=127.0.0.1:0'],
    });
    const proc = child;
    proc.stdout!.on('data', (d) => (output = (output + d).slice(-20_000)));
    proc.stderr!.on('data', (d) => (output = (output + d).slice(-20_000)));
    const alive = () => {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`launcher exited (${proc.exitCode ?? proc.signalCode}):\n${output}`);
    };
    // The config says port 0: the daemon logs the port it got.
    const port = await waitFor(() => {
      alive();
      return /"msg":"web app listening"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"msg":"web app listening"/.exec(output)?.slice(1).find(Boolean);
    }, { timeoutMs: 60_000, message: 'web app port in the launcher log' });
    inspector = await openInspector((await waitFor(() => inspectorUrl(output), { message: 'inspector URL' })));
    const session = inspector;
    /** VmRSS as found, then after two full collections (the figure compared). */
    const rss = async () => {
      const raw = vmRss(proc.pid!);
      await session.collectGarbage();
      await session.collectGarbage();
      return { raw, settled: vmRss(proc.pid!) };
    };
    const base = `http://127.0.0.1:${port}`;

    const get = async ({ path, json }: { path: string; json: boolean }): Promise<string> => {
      const res = await fetch(base + path, { headers: json ? { accept: 'application/json' } : {} });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body}`);
      return body;
    };
    await waitFor(async () => (JSON.parse(await get({ path: '/node-list', json: true })) as unknown[]).length === NODES,
      { timeoutMs: 60_000, message: `${NODES} rows in /node-list` });

    const serve = async (from: number, to: number) => {
      let next = from;
      const worker = async () => {
        while (next < to) await get(query(next++, ids));
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    };
    await serve(0, WARM_UP);
    const before = await rss();
    const started = Date.now();
    await serve(WARM_UP, WARM_UP + QUERIES);
    const after = await rss();
    const grew = after.settled - before.settled;
    const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
    console.log(`launcher VmRSS after full collections: ${mib(before.settled)} after warm-up, ${mib(after.settled)} after ${QUERIES} queries `
      + `(${((Date.now() - started) / 1000).toFixed(1)} s): grew ${mib(grew)}; as found before collecting: ${mib(before.raw)} and ${mib(after.raw)}`);
    expect(grew).toBeLessThan(20_000_000);
    expect(proc.exitCode, output).toBeNull();
  });
});
