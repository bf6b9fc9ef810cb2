// %(NODEPOOL_X) is substituted in the raw text before parsing, as upstream's
// config.substitute_env_vars does, and later problems still point into the file as written.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConfigValidate } from '../../src/cli/commands/config-validate.ts';
import { substituteEnvText } from '../../src/config/env-substitute.ts';
import { validateConfigText } from '../../src/config/load.ts';

const base = (extra: string) => [
  'zookeeper-servers:', '  - host: 127.0.0.1', 'labels:', '  - name: small', extra,
].join('\n') + '\n';

describe('%(NODEPOOL_X) substitution', () => {
  it('fills the raw text: unquoted takes the YAML type of the value, quoted stays a string', () => {
    const r = validateConfigText({
      file: '/x/nodepool.yaml',
      text: base("webapp:\n  port: %(NODEPOOL_PORT)\n  listen_address: '%(NODEPOOL_ADDR)'\nelements-dir: .\nimages-dir: %(NODEPOOL_HOME)s/img"),
      env: { NODEPOOL_PORT: '8123', NODEPOOL_ADDR: '127.0.0.1', NODEPOOL_HOME: '/srv', NODEPOOL_UNUSED: 'x', HOME: '/root' },
      files: () => null,
    });
    expect(r.errors).toEqual([]);
    expect(r.config?.webapp).toEqual({ port: 8123, listenAddress: '127.0.0.1' });
    // '.' is the string "." (PyYAML), and upstream keeps the `s` of `%(X)s`.
    expect(r.config?.elementsDir).toBe('.');
    expect(r.config?.imagesDir).toBe('/srvs/img');
    expect(r.config?.consumedEnvVars).toEqual(['NODEPOOL_ADDR', 'NODEPOOL_HOME', 'NODEPOOL_PORT']);
  });

  it('substitutes only NODEPOOL_ variables', () => {
    const r = validateConfigText({ file: '/x/nodepool.yaml', text: "images-dir: '%(HOME)/images'\n", env: { HOME: '/root' } });
    expect(r.config?.imagesDir).toBe('%(HOME)/images');
    expect(r.config?.consumedEnvVars).toEqual([]);
  });

  it('points a later problem at its column in the file as written', () => {
    // The substituted name is much shorter than its placeholder: without mapping back, the
    // column of min-ready's value would be off by the difference.
    const text = base('  - {name: %(NODEPOOL_A_RATHER_LONG_VARIABLE_NAME), min-ready: two}');
    const r = validateConfigText({ file: '/x/nodepool.yaml', text, env: { NODEPOOL_A_RATHER_LONG_VARIABLE_NAME: 'big' }, files: () => null });
    const problem = r.errors.find((e) => e.path === 'labels[1].min-ready');
    expect(problem).toMatchObject({ line: 5, col: text.split('\n')[4].indexOf('two') + 1 });
  });

  it('points a problem inside a substituted value at its placeholder', () => {
    const text = base('webapp:\n  port: %(NODEPOOL_PORT)');
    const r = validateConfigText({ file: '/x/nodepool.yaml', text, env: { NODEPOOL_PORT: 'eighty' }, files: () => null });
    expect(r.errors).toEqual([expect.objectContaining({ line: 6, col: 9, path: 'webapp.port', message: expect.stringContaining('"eighty"') })]);
  });

  it('leaves a placeholder of an unset variable as written, with a warning, as upstream does', () => {
    const quoted = validateConfigText({ file: '/x/nodepool.yaml', text: "images-dir: '%(NODEPOOL_NOPE)'\n", env: {} });
    expect(quoted.config?.imagesDir).toBe('%(NODEPOOL_NOPE)');
    expect(quoted.warnings).toEqual([expect.objectContaining({ line: 1, col: 14, message: expect.stringContaining('NODEPOOL_NOPE is not set') })]);
    // Unquoted, `%` cannot start a plain scalar: PyYAML refuses the file, and so do we.
    const plain = validateConfigText({ file: '/x/nodepool.yaml', text: 'webapp:\n  port: %(NODEPOOL_NOPE)\n', env: {} });
    expect(plain.config).toBeNull();
    expect(plain.errors[0]).toMatchObject({ line: 2, col: 9 });
    expect(plain.warnings[0].message).toContain('NODEPOOL_NOPE is not set');
  });

  it('maps offsets inside, before and after replacements', () => {
    const s = substituteEnvText('a: %(NODEPOOL_X)\nb: %(NODEPOOL_Y) c\n', { NODEPOOL_X: '1', NODEPOOL_Y: 'long value' });
    expect(s.text).toBe('a: 1\nb: long value c\n');
    const at = (needle: string) => s.original.toOriginal(s.text.indexOf(needle));
    expect(at('a:')).toBe(0);
    expect(at('1')).toBe(3);
    expect(at('b:')).toBe('a: %(NODEPOOL_X)\n'.length);
    expect(at('value')).toBe('a: %(NODEPOOL_X)\nb: '.length);
    expect(at(' c')).toBe('a: %(NODEPOOL_X)\nb: %(NODEPOOL_Y)'.length);
  });

  it('config-validate accepts elements-dir: . and an unquoted port placeholder (upstream good.yaml)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-env-'));
    const file = join(dir, 'nodepool.yaml');
    writeFileSync(file, base('elements-dir: .\nwebapp:\n  port: %(NODEPOOL_PORT)'));
    const out = { stdout: '', stderr: '' };
    const io = { stdout: { write: (s: string) => { out.stdout += s; } }, stderr: { write: (s: string) => { out.stderr += s; } } };
    expect(await runConfigValidate({ config: file, env: { NODEPOOL_PORT: '8005' } }, io)).toBe(0);
    expect(out.stdout).toContain('valid');
  });
});
