import { describe, expect, it } from 'vitest';
import { dibInvocation } from '../../src/builder/dib-command.ts';
import { splitShellWords } from '../../src/builder/shell-words.ts';
import { diskimage } from './config-fixtures.ts';

const base = {
  buildId: '0123456789abcdef0123456789abcdef',
  imagesDir: '/opt/nodepool/images',
  elementsDir: '/etc/nodepool/elements',
  projectElementsDir: '/usr/lib/nodepool/elements',
  projectDir: '/usr/lib/nodepool',
  baseEnv: { PATH: '/usr/bin', HOME: '/root', ELEMENTS_PATH: '/ignored', UNSET: undefined },
};

describe('dibInvocation', () => {
  it('builds the exact upstream command line, with the qemu compat option for qcow2', () => {
    const inv = dibInvocation({
      ...base,
      diskimage: diskimage({ name: 'debian', elements: ['debian-minimal', 'vm', 'nodepool-minimal'] }),
      imageTypes: ['qcow2', 'raw'],
    });
    expect(inv.command).toBe('disk-image-create');
    expect(inv.args).toEqual([
      '-x', '-t', 'qcow2,raw', '--checksum', '--no-tmpfs', '--qemu-img-options', 'compat=0.10',
      '-o', '/opt/nodepool/images/debian-0123456789abcdef0123456789abcdef',
      'debian-minimal', 'vm', 'nodepool-minimal',
    ]);
    expect(inv.outputBase).toBe('/opt/nodepool/images/debian-0123456789abcdef0123456789abcdef');
  });

  it('leaves the qemu option out without qcow2', () => {
    const inv = dibInvocation({ ...base, diskimage: diskimage({ name: 'd', elements: ['e'] }), imageTypes: ['raw', 'vhd'] });
    expect(inv.args).toEqual(['-x', '-t', 'raw,vhd', '--checksum', '--no-tmpfs', '-o', `/opt/nodepool/images/d-${base.buildId}`, 'e']);
  });

  it('sets the DIB environment, operator elements first, and lets env-vars win', () => {
    const inv = dibInvocation({
      ...base,
      diskimage: diskimage({ name: 'debian', release: 'bookworm', envVars: { TMPDIR: '/var/tmp', QEMU_IMG_OPTIONS: 'compat=1.1', DIB_RELEASE: 'trixie-override' } }),
      imageTypes: ['qcow2'],
    });
    expect(inv.env).toMatchObject({
      PATH: '/usr/bin',
      HOME: '/root',
      DIB_RELEASE: 'trixie-override',
      DIB_IMAGE_NAME: 'debian',
      DIB_IMAGE_FILENAME: `/opt/nodepool/images/debian-${base.buildId}`,
      ELEMENTS_PATH: '/etc/nodepool/elements:/usr/lib/nodepool/elements',
      TMPDIR: '/var/tmp',
      QEMU_IMG_OPTIONS: 'compat=1.1',
    });
    expect('UNSET' in inv.env).toBe(false);
  });

  it('stringifies the release, omits DIB_RELEASE without one, and uses only the project elements without elements-dir', () => {
    const withRelease = dibInvocation({ ...base, diskimage: diskimage({ name: 'c', release: '9' }), imageTypes: ['raw'] });
    expect(withRelease.env.DIB_RELEASE).toBe('9');
    const without = dibInvocation({ ...base, elementsDir: null, baseEnv: {}, diskimage: diskimage({ name: 'c' }), imageTypes: ['raw'] });
    expect('DIB_RELEASE' in without.env).toBe(false);
    expect(without.env.ELEMENTS_PATH).toBe('/usr/lib/nodepool/elements');
  });

  it('splits dib-cmd like shlex and replaces %p', () => {
    const inv = dibInvocation({ ...base, diskimage: diskimage({ name: 'x', dibCmd: '%p/test/fake-dib --flag "a b"' }), imageTypes: ['tar'] });
    expect(inv.command).toBe('/usr/lib/nodepool/test/fake-dib');
    expect(inv.args.slice(0, 3)).toEqual(['--flag', 'a b', '-x']);
  });

  it('rejects an empty dib-cmd clearly', () => {
    expect(() => dibInvocation({ ...base, diskimage: diskimage({ name: 'x', dibCmd: '  ' }), imageTypes: ['raw'] })).toThrow(/dib-cmd is empty/);
  });
});

describe('splitShellWords', () => {
  it.each([
    ['a b  c', ['a', 'b', 'c']],
    [`"a b" 'c d' e\\ f`, ['a b', 'c d', 'e f']],
    [`--qemu-img-options 'compat=0.10'`, ['--qemu-img-options', 'compat=0.10']],
    [`x"y"z ''`, ['xyz', '']],
    [`"a \\"q\\" b"`, ['a "q" b']],
  ])('%s', (input, words) => {
    expect(splitShellWords(input)).toEqual(words);
  });
  it('rejects an unterminated quote', () => {
    expect(() => splitShellWords(`a "b`)).toThrow(/unterminated/);
  });
});
