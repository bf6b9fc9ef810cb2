// `nodepool config-validate`: exit codes and one line per problem, all problems in one run.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runConfigValidate } from '../../src/cli/commands/config-validate.ts';
import { runEntry } from '../helpers/spawn.ts';

const dir = join(import.meta.dirname, '../fixtures/config');

function capture() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (s: string) => { out.stdout += s; } },
      stderr: { write: (s: string) => { out.stderr += s; } },
    },
  };
}

describe('runConfigValidate', () => {
  it('exits 0 for a valid file and prints its warnings on stderr', async () => {
    const { out, io } = capture();
    const code = await runConfigValidate({ config: 'unprovided-label-warning.yaml', env: {}, cwd: dir }, io);
    expect(code).toBe(0);
    expect(out.stdout).toMatch(/unprovided-label-warning\.yaml: valid \(current format; 1 provider\(s\), 2 label\(s\)/);
    expect(out.stderr.trim().split('\n')).toEqual([
      `${join(dir, 'unprovided-label-warning.yaml')}:4:11: warning: labels[1].name: no provider pool offers label 'forgotten' (requests for it will fail; expected a pool label of that name)`,
    ]);
  });

  it('exits 1 with every problem on its own FILE:LINE:COL line', async () => {
    const { out, io } = capture();
    const code = await runConfigValidate({ config: join(dir, 'many-problems.yaml'), env: {} }, io);
    expect(code).toBe(1);
    const lines = out.stderr.trim().split('\n');
    expect(lines.slice(0, -1).map((l) => l.replace(dir + '/', '').split(': ').slice(0, 2).join(': '))).toEqual([
      'many-problems.yaml:4:11: zookeeper-servers[0].port',
      'many-problems.yaml:7:16: labels[0].min-ready',
      'many-problems.yaml:9:20: labels[1].max-ready-age',
      'many-problems.yaml:10:1: webap',
      'many-problems.yaml:15:11: providers[0].rate',
      'many-problems.yaml:20:26: providers[0].pools[0].labels[0].cloud-image',
      'many-problems.yaml:22:31: providers[0].pools[0].labels[0].boot-from-volume',
      'many-problems.yaml:8:11: warning',
    ]);
    expect(lines.at(-1)).toContain('invalid (7 errors, 1 warning)');
    expect(out.stdout).toBe('');
  });

  it('points a YAML syntax error at its line', async () => {
    const { out, io } = capture();
    expect(await runConfigValidate({ config: join(dir, 'yaml-syntax-error.yaml'), env: {} }, io)).toBe(1);
    expect(out.stderr).toContain(`${join(dir, 'yaml-syntax-error.yaml')}:6:15: diskimages[0].elements: YAML syntax error: unclosed flow sequence '['`);
  });

  it('merges the secure file given with -s', async () => {
    const { out, io } = capture();
    const code = await runConfigValidate({ config: join(dir, 'secure-main.yaml'), secure: join(dir, 'secure/secure-file-unknown-diskimage.yaml'), env: {} }, io);
    expect(code).toBe(1);
    expect(out.stderr).toContain('secure-file-unknown-diskimage.yaml:5:11: diskimages[1].name:');
  });

  it('never prints a secret value', async () => {
    const { out, io } = capture();
    await runConfigValidate({ config: join(dir, 'classic-inline-credentials.yaml'), env: {} }, io);
    expect(out.stderr).toContain('providers[0].password');
    expect(out.stderr + out.stdout).not.toContain('lab-demo-pw');
  });

  it('treats files of this host as warnings, and as errors with --strict', async () => {
    const lenient = capture();
    expect(await runConfigValidate({ config: join(dir, 'classic-missing-private-key.yaml'), env: {} }, lenient.io)).toBe(0);
    expect(lenient.out.stderr).toContain('9:22: warning: providers[0].images[0].private-key: private key /nonexistent/nodepool/id_rsa does not exist on this host');
    const strict = capture();
    expect(await runConfigValidate({ config: join(dir, 'classic-missing-private-key.yaml'), env: {}, strict: true }, strict.io)).toBe(1);
    expect(strict.out.stderr).toContain('9:22: providers[0].images[0].private-key: private key /nonexistent/nodepool/id_rsa does not exist on this host');
  });

  it('nodepool config-validate --strict from the command line', async () => {
    // A config repository's CI: elements-dir names a directory only the builder host has.
    const repo = mkdtempSync(join(tmpdir(), 'np-strict-'));
    const cfg = join(repo, 'nodepool.yaml');
    writeFileSync(cfg, 'elements-dir: /nonexistent/elements\nlabels:\n  - name: x\n');
    const plain = await runEntry('cli/main.ts', ['-c', cfg, 'config-validate']);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain('1:15: warning: elements-dir: elements-dir /nonexistent/elements is not a directory on this host');
    const strict = await runEntry('cli/main.ts', ['-c', cfg, 'config-validate', '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('1:15: elements-dir: elements-dir /nonexistent/elements is not a directory on this host');
  });
});
