// Pure parts of the ready-script hardening: which daemon variables are forwarded (consumed
// ones never, `ready-script-env` narrows), the consumed-name scan, the classic config key, and
// the ready-script log's size cap and retention.
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consumedEnvVarsOf } from '../../../src/config/consumed-env.ts';
import { loadConfig, validateConfigText } from '../../../src/config/load.ts';
import { CappedLogWriter, pruneReadyScriptLogs, readyLogsToPrune } from '../../../src/launcher/ready-script/ready-script-logs.ts';
import { forwardedDaemonEnv } from '../../../src/launcher/ready-script/script-command.ts';

const daemonEnv = { NODEPOOL_SECRET_TOKEN: 'xyz', NODEPOOL_RELEASE: 'ocata', NODEPOOL_OTHER: 'o', PATH: '/bin', HOME: '/root' };

describe('ready-script environment', () => {
  it('the loader records every %(NODEPOOL_X) name of the config and secure files, set or not', async () => {
    const fixtures = join(import.meta.dirname, '../../fixtures/config');
    const dir = mkdtempSync(join(tmpdir(), 'np-consumed-'));
    try {
      writeFileSync(join(dir, 'nodepool.yaml'), `${readFileSync(join(fixtures, 'secure-main.yaml'), 'utf8')}\n# %(NODEPOOL_IN_COMMENT) %(NOT_NODEPOOL)\n`);
      const secure = readFileSync(join(fixtures, 'secure/secure-file.yaml'), 'utf8').replace('hunter2-secret', '%(NODEPOOL_REGISTRY)');
      expect(secure).toContain('%(NODEPOOL_REGISTRY)');
      writeFileSync(join(dir, 'secure.yaml'), secure);
      const { config } = await loadConfig(join(dir, 'nodepool.yaml'), { env: { NODEPOOL_REGISTRY: 'hunter2' }, secure: join(dir, 'secure.yaml') });
      expect(JSON.stringify(config)).toContain('hunter2');
      const r = consumedEnvVarsOf(config);
      // Substituted (the secure file's) and left unset (the comment's) alike.
      expect('names' in r && [...r.names].sort()).toEqual(['NODEPOOL_IN_COMMENT', 'NODEPOOL_REGISTRY']);
      // A config built another way cannot tell: nothing is forwarded then (see below).
      expect(consumedEnvVarsOf({})).toEqual({ unknown: expect.any(String) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('forwards every NODEPOOL_* variable except the consumed ones', () => {
    const r = forwardedDaemonEnv(daemonEnv, { consumed: new Set(['NODEPOOL_SECRET_TOKEN']), allow: null });
    expect(r.env).toEqual({ NODEPOOL_RELEASE: 'ocata', NODEPOOL_OTHER: 'o' });
    expect(r.withheld).toEqual(['NODEPOOL_SECRET_TOKEN']);
  });

  it('ready-script-env narrows to its list, and a consumed name stays out even when listed', () => {
    const r = forwardedDaemonEnv(daemonEnv, { consumed: new Set(['NODEPOOL_SECRET_TOKEN']), allow: ['NODEPOOL_RELEASE', 'NODEPOOL_SECRET_TOKEN'] });
    expect(r.env).toEqual({ NODEPOOL_RELEASE: 'ocata' });
    expect(r.withheld).toEqual(['NODEPOOL_OTHER', 'NODEPOOL_SECRET_TOKEN']);
  });

  it('forwards none of the daemon variables when the consumed set is unknown', () => {
    expect(forwardedDaemonEnv(daemonEnv, { consumed: null, allow: null }).env).toEqual({});
  });

  it('the classic ready-script-env key is validated and reaches the model', () => {
    const file = join(import.meta.dirname, '../../fixtures/config/classic-minimal-no-cron.yaml');
    const base = `${readFileSync(file, 'utf8')}\n`;
    const ok = validateConfigText({ file, text: `${base}ready-script-env: [NODEPOOL_RELEASE]\n`, env: {} });
    expect(ok.errors).toEqual([]);
    expect(ok.config?.readyScriptEnv).toEqual(['NODEPOOL_RELEASE']);
    const bad = validateConfigText({ file, text: `${base}ready-script-env: [PATH]\n`, env: {} });
    expect(bad.errors.map((e) => e.message).join('\n')).toContain('expected a NODEPOOL_* variable name');
  });
});

describe('ready-script logs', () => {
  it('caps a log at its size, with one marker line', () => {
    const out: string[] = [];
    const w = new CappedLogWriter((c) => out.push(String(c)), 90, 100);
    w.write('12345');
    w.write('abcdefghij');
    w.write('more and more');
    w.note('=== exit 0\n');
    expect(out.join('')).toBe('12345abcde\n=== log truncated at 100 bytes: further output dropped\n=== exit 0\n');
  });

  it('keeps the newest node logs and never the one being written', () => {
    const files = [1, 2, 3, 4, 5].map((i) => ({ name: `000000000${i}.log`, mtimeMs: i * 1000 }));
    expect(readyLogsToPrune([...files, { name: 'notes.txt', mtimeMs: 0 }], 3, '0000000001.log').sort())
      .toEqual(['0000000002.log', '0000000003.log']);
    const dir = mkdtempSync(join(tmpdir(), 'np-readylogs-'));
    try {
      for (const f of files) {
        writeFileSync(join(dir, f.name), 'x');
        utimesSync(join(dir, f.name), f.mtimeMs / 1000, f.mtimeMs / 1000);
      }
      expect(pruneReadyScriptLogs(dir, '0000000006.log', 2).sort()).toEqual(['0000000001.log', '0000000002.log', '0000000003.log', '0000000004.log']);
      expect(readdirSync(dir)).toEqual(['0000000005.log']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
