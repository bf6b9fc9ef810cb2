// `driver: static` providers: upstream's keys and code defaults, the port default on the
// connection type, and config-validate's FILE:LINE:COL problems for static mistakes.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import { runConfigValidate } from '../../src/cli/commands/config-validate.ts';

const dir = join(import.meta.dirname, '../fixtures/config/static');
const problems = async (name: string) => {
  const r = await validateConfig(join(dir, name), { env: {} });
  return { r, all: [...r.errors, ...r.warnings].map((p) => [p.severity, p.line, p.col, p.path, p.message] as const) };
};

describe('static provider config', () => {
  it('maps a static provider beside a cloud one, with upstream defaults', async () => {
    const { r, all } = await problems('mixed.yaml');
    expect(r.errors).toEqual([]);
    const c = r.config!;
    expect(c.providers.map((p) => p.name)).toEqual(['lab']);
    expect(c.staticProviders.map((p) => p.name)).toEqual(['rack']);
    const [main, windows] = c.staticProviders[0].pools;
    expect(c.staticProviders[0]).toMatchObject({ driver: 'static', maxConcurrency: -1, priority: 100 });
    expect(main).toMatchObject({ name: 'main', priority: 100, nodeAttributes: { rack: 'r12' }, labels: ['bare-metal'] });
    expect(main.nodes[0]).toEqual({
      name: 'metal1.example.org', labels: ['bare-metal'], username: 'zuul', timeout: 5, hostKeyChecking: true,
      hostKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGXqY02bdYqg1BcIf2x08zs60rS6XhlBSQ4qE47o5gb'],
      connectionType: 'ssh', connectionPort: 22, shellType: null, pythonPath: 'auto', maxParallelJobs: 2,
    });
    expect(main.nodes[1]).toMatchObject({
      username: 'ci', timeout: 13, connectionPort: 22022, hostKeyChecking: false, hostKeys: [],
      pythonPath: '/usr/bin/python3', shellType: 'bash', maxParallelJobs: 1,
    });
    // A label string is split on spaces; winrm's port defaults to 5986.
    expect(windows.priority).toBe(50);
    expect(windows.nodes[0]).toMatchObject({ labels: ['windows-hw', 'bare-metal'], connectionType: 'winrm', connectionPort: 5986 });
    expect(windows.nodes[1]).toMatchObject({ connectionType: 'network_cli', connectionPort: 22 });
    expect(windows.labels).toEqual(['windows-hw', 'bare-metal', 'switch']);
    // min-ready of a static-only label is ignored with a warning; no "no pool offers" warning.
    expect(all).toEqual([['warning', 5, 16, 'labels[1].min-ready', expect.stringContaining("min-ready 2 has no meaning for static label 'bare-metal' and is ignored")]]);
  });

  it.each([
    ['duplicate-host.yaml', [['error', 11, 19, 'providers[0].pools[0].nodes[1].name',
      "host 'metal1.example.org' with username 'zuul' and port 22 is already listed in provider rack pool main"]]],
    ['unknown-label.yaml', [['error', 10, 21, 'providers[0].pools[0].nodes[0].labels', "label 'bare-metl' is not a top-level label (expected one of: bare-metal)"]]],
    ['nodes-not-a-list.yaml', [['error', 9, 11, 'providers[0].pools[0].nodes', 'got mapping a mapping (expected array)']]],
    ['with-cloud.yaml', [['error', 7, 5, 'providers[0].cloud', "unknown key 'cloud' (expected one of: name, driver, max-concurrency, priority, pools)"]]],
    ['kubernetes.yaml', [['error', 5, 13, 'providers[0].driver', 'unsupported driver "kubernetes" (expected one of: openstack, static)']]],
  ] as const)('%s is refused at the right line', async (name, expected) => {
    const { r, all } = await problems(name);
    expect(r.config).toBeNull();
    expect(all.map(([s, l, c, p]) => [s, l, c, p])).toEqual(expected.map(([s, l, c, p]) => [s, l, c, p]));
    all.forEach((a, i) => expect(a[4]).toContain(expected[i][4]));
  });

  it('config-validate prints FILE:LINE:COL for a static mistake and exits 1', async () => {
    let err = '';
    const code = await runConfigValidate({ config: join(dir, 'duplicate-host.yaml'), env: {} },
      { stdout: { write: () => true }, stderr: { write: (s: string) => { err += s; return true; } } } as never);
    expect(code).toBe(1);
    expect(err).toContain(`${join(dir, 'duplicate-host.yaml')}:11:19: providers[0].pools[0].nodes[1].name: host 'metal1.example.org'`);
  });
});
