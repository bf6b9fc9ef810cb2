// A TCP relay on loopback that can stall: while stalled it holds every byte in both directions
// (new connections are accepted but get nothing through), as a frozen server looks to one
// client. Other clients of the real server are not affected, unlike SIGSTOP on the server.
import net from 'node:net';

export interface StallProxy {
  host: string;
  port: number;
  stall(): void;
  resume(): void;
  /** Cuts every relayed connection (as a network fault would); new ones are still accepted. */
  dropConnections(): void;
  /** Relays new connections to another server from now on. */
  retarget(target: { host: string; port: number }): void;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

interface Gate {
  queue: Buffer[];
  to: net.Socket;
}

export async function startStallProxy(target: { host: string; port: number }): Promise<StallProxy> {
  let stalled = false;
  const gates = new Set<Gate>();
  const sockets = new Set<net.Socket>();
  let current = target;
  let accepted = 0;
  const pass = (gate: Gate, chunk: Buffer): void => {
    if (stalled || gate.queue.length > 0) gate.queue.push(chunk);
    else gate.to.write(chunk);
  };
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect({ host: current.host, port: current.port });
    sockets.add(client).add(upstream);
    const up: Gate = { queue: [], to: upstream };
    const down: Gate = { queue: [], to: client };
    gates.add(up).add(down);
    client.on('data', (c) => pass(up, c));
    upstream.on('data', (c) => pass(down, c));
    const end = (): void => {
      gates.delete(up);
      gates.delete(down);
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    stall() { stalled = true; },
    resume() {
      stalled = false;
      for (const gate of gates) {
        for (const chunk of gate.queue.splice(0)) gate.to.write(chunk);
      }
    },
    dropConnections() {
      for (const gate of gates) gate.queue.length = 0;
      for (const s of sockets) s.destroy();
    },
    retarget(next) { current = next; },
    get accepted() { return accepted; },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
