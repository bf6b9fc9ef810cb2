// The benchmark's Zuul, in a process of its own: it submits node requests and, on "fulfilled",
// locks the nodes, deletes the request, marks the nodes in-use then used and unlocks, exactly as
// Zuul's nodepool client does. Commands arrive as JSON lines on stdin, results leave as JSON
// lines on stdout, so the orchestrator (shipped.ts) never shares a process or a session with it.
//   {"cmd":"sequential","n":20,"bootMs":100}   one single-node request at a time
//   {"cmd":"burst","n":200}                      n requests of 1-3 nodes, two labels, at once
//   {"cmd":"drain"}                              waits until no node is left in ZooKeeper
//   {"cmd":"exit"}
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { connectZkClient } from '../../src/zk/client.ts';
import { ZkStore } from '../../src/store/zk-store.ts';
import { newRequest } from '../../src/model/factories.ts';
import { systemClock } from '../../src/util/clock.ts';
import { ZuulPlayer } from './zuul-player.ts';

const { values } = parseArgs({ options: { zk: { type: 'string' }, chroot: { type: 'string' } } });
const [host, port] = (values.zk ?? '').split(':');
const client = await connectZkClient({ servers: [{ host, port: Number(port) }], chroot: values.chroot });

// Requests this session sends, by operation (the same count the launcher keeps of its own).
const ops = new Map<string, number>();
const c = client as unknown as Record<string, unknown>;
for (const op of ['create', 'create2', 'delete', 'exists', 'getData', 'setData', 'getChildren', 'multi', 'multiRead', 'sync']) {
  const real = c[op] as ((...a: unknown[]) => unknown) | undefined;
  if (typeof real !== 'function') continue;
  c[op] = (...a: unknown[]) => {
    ops.set(op, (ops.get(op) ?? 0) + 1);
    return real.apply(client, a);
  };
}

const store = new ZkStore(client, { clock: systemClock });
const player = new ZuulPlayer(store);
await player.start();
const make = (labels: string[]) => newRequest({ node_types: labels, requestor: 'bench', reuse: true }, Date.now());
const reply = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);

async function drain(limitMs: number): Promise<number> {
  const started = performance.now();
  while ((await store.listNodeIds()).length > 0 && performance.now() - started < limitMs) await new Promise((r) => setTimeout(r, 50));
  return performance.now() - started;
}

async function sequential(n: number, bootMs: number): Promise<Record<string, unknown>> {
  player.timings.clear();
  const overheads: number[] = [];
  ops.clear();
  for (let i = 0; i < n; i++) {
    const id = await player.submit(['small'], performance.now(), make);
    await player.allDone();
    const t = player.timings.get(id)!;
    if (t.fulfilledAt !== undefined) overheads.push(t.fulfilledAt - t.submittedAt - bootMs);
  }
  const failed = [...player.timings.values()].filter((t) => t.failed).length;
  return { overheadsMs: overheads, failed, ops: Object.fromEntries(ops), errors: player.errors.splice(0) };
}

async function burst(n: number): Promise<Record<string, unknown>> {
  player.timings.clear();
  ops.clear();
  const started = performance.now();
  let nodes = 0;
  for (let i = 0; i < n; i++) {
    const size = 1 + (i % 3);
    nodes += size;
    await player.submit(Array(size).fill(i % 2 === 0 ? 'small' : 'medium'), performance.now(), make);
  }
  const submittedMs = performance.now() - started;
  await player.allDone();
  const timings = [...player.timings.values()];
  const lastFulfilled = Math.max(...timings.map((t) => t.fulfilledAt ?? 0));
  return {
    nodes, submittedMs, wallMs: lastFulfilled - started, returnedMs: performance.now() - started,
    fulfilMs: timings.filter((t) => t.fulfilledAt !== undefined).map((t) => t.fulfilledAt! - t.submittedAt),
    failed: timings.filter((t) => t.failed).length, ops: Object.fromEntries(ops), errors: player.errors.splice(0),
  };
}

const lines = createInterface({ input: process.stdin });
reply({ ready: true });
for await (const line of lines) {
  const cmd = JSON.parse(line) as { cmd: string; n?: number; bootMs?: number };
  if (cmd.cmd === 'sequential') reply(await sequential(cmd.n ?? 20, cmd.bootMs ?? 0));
  else if (cmd.cmd === 'burst') reply(await burst(cmd.n ?? 200));
  else if (cmd.cmd === 'drain') reply({ drainedMs: await drain(120_000), left: (await store.listNodeIds()).length });
  else if (cmd.cmd === 'exit') break;
}
await client.close();
process.exit(0);
