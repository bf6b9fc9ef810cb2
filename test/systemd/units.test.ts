import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/spawn.ts';

const run = promisify(execFile);
const units = ['nodepool-launcher.service', 'nodepool-builder.service'];

function directives(unit: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of readFileSync(`${projectRoot}systemd/${unit}`, 'utf8').split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) map.set(m[1], m[2]);
  }
  return map;
}

describe('systemd units', () => {
  it('pass systemd-analyze verify', async () => {
    const { stdout, stderr } = await run('systemd-analyze', ['verify', ...units], { cwd: `${projectRoot}systemd` });
    // verify also loads the machine's other units (e.g. Debian's keystone.service on the lab
    // machine) and may complain about them; only complaints about ours count.
    const ours = `${stdout}\n${stderr}`.split('\n').filter((line) => /nodepool-(launcher|builder)/.test(line));
    expect(ours).toEqual([]);
  });

  it.each(units)('%s runs as its own user, reloads on SIGHUP and stops with SIGTERM', (unit) => {
    const d = directives(unit);
    expect(d.get('User')).toBe('nodepool');
    expect(d.get('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(d.get('KillSignal')).toBe('SIGTERM');
    expect(d.get('StandardOutput')).toBe('journal');
    expect(d.get('ReadWritePaths')).toContain('/var/lib/nodepool');
    expect(d.get('ProtectSystem')).toMatch(/^(strict|full)$/);
  });

  it('sandboxes the launcher fully', () => {
    const d = directives('nodepool-launcher.service');
    expect(d.get('NoNewPrivileges')).toBe('yes');
    expect(d.get('ProtectSystem')).toBe('strict');
    expect(d.get('CapabilityBoundingSet')).toBe('');
  });
});
