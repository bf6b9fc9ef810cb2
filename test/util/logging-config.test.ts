// How a Python logging config (-l) maps to our log streams: levels, files, stdout/stderr.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLogConfig } from '../../src/util/logging-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'np-logcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('fileConfig INI', () => {
  it('root only: each handler passes at the higher of the root level and its own', () => {
    const plan = readLogConfig(file('root.conf', `[loggers]\nkeys=root\n[handlers]\nkeys=out,err,f\n[formatters]\nkeys=\n
[logger_root]\nlevel=INFO\nhandlers=out,err,f\n
[handler_out]\nclass=StreamHandler\nlevel=DEBUG\nargs=(sys.stdout,)\n
[handler_err]\nclass=StreamHandler\nlevel=ERROR\nargs=()\n
[handler_f]\nclass=FileHandler\nkwargs={'filename': '/tmp/x.log'}\n`));
    expect(plan.streams).toEqual([
      { level: 'info', target: { kind: 'stdout' }, handler: 'out' },
      { level: 'error', target: { kind: 'stderr' }, handler: 'err' },
      { level: 'info', target: { kind: 'file', path: '/tmp/x.log' }, handler: 'f' },
    ]);
    expect(plan.warnings).toEqual([]);
  });

  it('a nodepool logger that does not propagate uses only its own handlers; NullHandler is silent', () => {
    const plan = readLogConfig(file('np.conf', `[loggers]\nkeys=root,np\n[handlers]\nkeys=console,nul,f\n
[logger_root]\nlevel=WARNING\nhandlers=console\n
[logger_np]\nlevel=DEBUG\nhandlers=f,nul\nqualname=nodepool\npropagate=0\n
[handler_console]\nclass=StreamHandler\nargs=(sys.stdout,)\n
[handler_nul]\nclass=logging.NullHandler\nargs=()\n
[handler_f]\nclass=logging.handlers.RotatingFileHandler\nlevel=NOTSET\nargs=("/var/log/np.log", "a", 1000, 3)\n`));
    expect(plan.streams).toEqual([{ level: 'debug', target: { kind: 'file', path: '/var/log/np.log' }, handler: 'f' }]);
  });

  it('handlers it cannot reproduce and unknown levels are warnings; nothing usable means stdout', () => {
    const plan = readLogConfig(file('odd.conf', `[loggers]\nkeys=root\n[handlers]\nkeys=sys\n
[logger_root]\nlevel=LOUD\nhandlers=sys,missing\n
[handler_sys]\nclass=logging.handlers.SysLogHandler\nargs=('/dev/log',)\n`));
    expect(plan.streams).toEqual([{ level: 'trace', target: { kind: 'stdout' }, handler: '(default)' }]);
    expect(plan.warnings.join('\n')).toMatch(/unknown level "LOUD"/);
    expect(plan.warnings.join('\n')).toMatch(/handler "sys" \(logging\.handlers\.SysLogHandler\).*ignored/);
    expect(plan.warnings.join('\n')).toMatch(/handler "missing" is not defined/);
    expect(plan.warnings.join('\n')).toMatch(/no usable handler/);
  });

  it('a file that is not INI is an error with its line', () => {
    expect(() => readLogConfig(file('bad.conf', `[loggers]\nkeys=root\nthis is not a key\n`))).toThrow(/bad\.conf:3: not an INI line/);
  });
});

describe('dictConfig YAML', () => {
  it('reads handler classes, streams, files and the nodepool logger', () => {
    const plan = readLogConfig(file('log.yaml', `version: 1
handlers:
  console: {class: logging.StreamHandler, stream: 'ext://sys.stdout', level: WARNING}
  normal: {class: logging.handlers.WatchedFileHandler, filename: /var/log/nodepool/launcher.log, level: INFO}
loggers:
  nodepool: {handlers: [normal], level: DEBUG}
root: {handlers: [console], level: WARN}
`));
    expect(plan.streams).toEqual([
      { level: 'info', target: { kind: 'file', path: '/var/log/nodepool/launcher.log' }, handler: 'normal' },
      { level: 'warn', target: { kind: 'stdout' }, handler: 'console' },
    ]);
  });
});
