// A NODEPOOL_* variable the config consumes through %(NODEPOOL_X) (a secret put into
// nodepool.yaml that way) never reaches a launched node, its files, the ready-script log or the
// daemon log, while an unused NODEPOOL_* variable still reaches the script (classic contract).
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import type { NodepoolConfig } from '../../../src/config/model.ts';
import { newRequest } from '../../../src/model/factories.ts';
import { waitFor } from '../../helpers/wait.ts';
import { simpleYaml } from '../launcher-env.ts';
import { registerKeypair, startCareEnv, type CareEnv } from './care-env.ts';

const SSH_PORT = 2302;
// Distinctive beyond "xyz" itself: three letters could turn up by chance in the node's random key files.
const SECRET = 'xyz-7c41-secret-token';

const SCRIPT = `#!/bin/sh
env | grep '^NODEPOOL_' | sort > "$HOME/script-env"
echo "release=$NODEPOOL_RELEASE token=\${NODEPOOL_SECRET_TOKEN:-withheld}"
`;

/** Every regular file under dir, with its text. */
function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) out.push(...filesUnder(path));
    else if (st.isFile()) out.push({ path, text: readFileSync(path, 'latin1') });
  }
  return out;
}

describe('ready-script and secrets from %(NODEPOOL_X)', () => {
  let env: CareEnv;
  const daemonLog: string[] = [];
  const logDir = () => join(env.dir, 'ready-logs');

  beforeAll(async () => {
    env = await startCareEnv({
      name: 'ready-secrets',
      yaml: simpleYaml({ labels: ['good'], hostKeyChecking: true, connectionPort: SSH_PORT, launchRetries: 1, bootTimeout: 10, launchTimeout: 30 }),
      sim: { ssh: { enabled: true, port: SSH_PORT }, buildDelayMs: 300 },
    });
    const keyPath = await registerKeypair(env.sim, env.dir, 'np-key');
    mkdirSync(join(env.dir, 'scripts'));
    writeFileSync(join(env.dir, 'scripts', 'good.sh'), SCRIPT);
    // The secret is consumed by the config (a diskimage env-var, as a DIB password would be).
    const path = join(env.dir, 'nodepool-secret.yaml');
    writeFileSync(path, `${env.fullYaml}\ndiskimages:\n  - name: private-image\n    env-vars:\n      DIB_TOKEN: '%(NODEPOOL_SECRET_TOKEN)'\n`);
    const environment = { NODEPOOL_SECRET_TOKEN: SECRET, NODEPOOL_RELEASE: 'ocata', PATH: process.env.PATH };
    const { config: loaded } = await loadConfig(path, { env: environment });
    expect(JSON.stringify(loaded)).toContain(SECRET); // the config really consumed it
    const config = structuredClone(loaded) as NodepoolConfig;
    config.scriptsDir = join(env.dir, 'scripts');
    for (const label of config.providers[0].pools[0].labels) {
      Object.assign(label, { readyScript: 'good.sh', username: 'cloud-user', privateKey: keyPath, keyName: 'np-key' });
    }
    env.config = config;
    const sink = new Writable({ write(chunk, _enc, cb) { daemonLog.push(String(chunk)); cb(); } });
    await env.startLauncher({ environment, readyScriptLogDir: logDir(), logger: pino({ level: 'debug' }, sink) });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('the secret reaches neither the node nor any log; NODEPOOL_RELEASE reaches the script', async () => {
    const submitted = await env.zuul.submitRequest(newRequest({ node_types: ['good'], requestor: 'zuul' }, Date.now()), '200', false);
    const r = await waitFor(async () => {
      const x = await env.zuul.getRequest(submitted.id);
      return x && (x.state === 'fulfilled' || x.state === 'failed') ? x : null;
    }, { timeoutMs: 45_000, message: 'request done' });
    expect(r.state).toBe('fulfilled');
    const node = (await env.zuul.getNode(r.nodes[0]))!;
    const server = (await env.sim.admin.listServers()).find((s) => s.id === node.external_id)!;

    const scriptEnv = readFileSync(join(server.sandboxDir, 'script-env'), 'utf8');
    expect(scriptEnv).toContain('NODEPOOL_RELEASE=ocata\n');
    expect(scriptEnv).not.toContain('NODEPOOL_SECRET_TOKEN');

    const nodeFiles = filesUnder(server.sandboxDir);
    expect(nodeFiles.length).toBeGreaterThan(5);
    for (const f of nodeFiles) expect(f.text, f.path).not.toContain(SECRET);

    const scriptLog = readFileSync(join(logDir(), `${node.id}.log`), 'utf8');
    expect(scriptLog).toContain('release=ocata token=withheld');
    expect(scriptLog).toContain('not forwarded to the script: NODEPOOL_SECRET_TOKEN');
    expect(scriptLog).not.toContain(SECRET);

    const daemon = daemonLog.join('');
    expect(daemon).toContain('ready-script succeeded');
    expect(daemon).not.toContain(SECRET);
  });
});
