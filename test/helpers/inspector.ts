// A Chrome DevTools Protocol session on a child started with --inspect=127.0.0.1:0, for memory
// tests that must read a process's RSS at the same point of V8's collection cycle each time.
import { WebSocket } from 'undici';

export interface InspectorSession {
  /** A full collection in the inspected process (what --expose-gc's gc() does there). */
  collectGarbage(): Promise<void>;
  close(): void;
}

/** The URL node prints on stderr: "Debugger listening on ws://127.0.0.1:PORT/UUID". */
export function inspectorUrl(output: string): string | undefined {
  return /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(output)?.[1];
}

export async function openInspector(url: string): Promise<InspectorSession> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`cannot connect to the inspector at ${url}`)), { once: true });
  });
  let lastId = 0;
  const pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  ws.addEventListener('message', (event) => {
    const msg = JSON.parse(String(event.data)) as { id?: number; error?: { message: string } };
    const waiter = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id!);
    if (msg.error) waiter.reject(new Error(msg.error.message));
    else waiter.resolve();
  });
  ws.addEventListener('close', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('inspector connection closed'));
    pending.clear();
  });
  const call = (method: string) => new Promise<void>((resolve, reject) => {
    const id = ++lastId;
    pending.set(id, { resolve, reject });
    ws.send(JSON.stringify({ id, method }));
  });
  return {
    collectGarbage: () => call('HeapProfiler.collectGarbage'),
    close: () => ws.close(),
  };
}
