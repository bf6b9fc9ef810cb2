// An error event on the listening server (EMFILE on accept) is logged, not fatal to the launcher.
import http from 'node:http';
import { describe, it, expect } from 'vitest';
import { startWebApp } from '../../src/web/app.ts';
import type { StatusStore } from '../../src/status/collect.ts';
import { silentLogger } from '../../src/util/logger.ts';

function listeningServer(port: number): http.Server {
  // The app keeps its server private; find it among the process's live handles by port.
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const server = handles.find((h): h is http.Server =>
    h instanceof http.Server && (h.address() as { port?: number } | null)?.port === port);
  if (!server) throw new Error(`no http.Server on port ${port}`);
  return server;
}

describe('web server errors', () => {
  it('an EMFILE on accept is handled and the app keeps answering', async () => {
    const app = await startWebApp({ store: {} as StatusStore, config: { port: 0 }, isReady: () => true, logger: silentLogger() });
    try {
      const server = listeningServer(app.port);
      const emfile = Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', errno: -24, syscall: 'accept' });
      // Without a listener EventEmitter throws the error here (in production: an uncaught exception).
      expect(() => server.emit('error', emfile)).not.toThrow();
      const res = await fetch(`http://127.0.0.1:${app.port}/ready`);
      expect(res.status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
