// The project's elements follow diskimage-builder's layout: a README each, executable hooks that
// stop on errors, parseable package-installs. dib-lint (diskimage-builder's own checker) runs
// too where it is installed (CI installs it for the real-DIB run, which checks it there).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PROJECT_ELEMENTS } from './fake-dib.ts';
import { dibLintInstalled, dibLintVerdict } from './dib-lint.ts';

const HOOK_DIRS = ['extra-data.d', 'pre-install.d', 'install.d', 'post-install.d', 'finalise.d', 'cleanup.d', 'root.d', 'block-device.d'];
const elements = readdirSync(PROJECT_ELEMENTS).filter((e) => statSync(join(PROJECT_ELEMENTS, e)).isDirectory());

describe('elements/', () => {
  it('ships nodepool-minimal and rdo-requirements', () => {
    expect(elements.sort()).toEqual(['nodepool-minimal', 'rdo-requirements']);
  });

  it.each(elements)('%s has a README, executable hooks with set -eu, and valid package-installs', (name) => {
    const dir = join(PROJECT_ELEMENTS, name);
    expect(readFileSync(join(dir, 'README.rst'), 'utf8')).toContain(name);
    const hooks = HOOK_DIRS.filter((d) => existsSync(join(dir, d))).flatMap((d) => readdirSync(join(dir, d)).map((f) => join(dir, d, f)));
    expect(hooks.length).toBeGreaterThan(0);
    for (const hook of hooks) {
      expect(statSync(hook).mode & 0o111, `${hook} is executable`).not.toBe(0);
      const text = readFileSync(hook, 'utf8');
      expect(text.startsWith('#!/bin/bash'), hook).toBe(true);
      expect(text, hook).toMatch(/^set -eu$/m);
      execFileSync('bash', ['-n', hook]);
    }
    const pkgs = join(dir, 'package-installs.yaml');
    if (existsSync(pkgs)) expect(Object.keys(parse(readFileSync(pkgs, 'utf8')) ?? {})).not.toEqual([]);
    for (const dep of readFileSync(join(dir, 'element-deps'), 'utf8').trim().split('\n')) expect(dep).toMatch(/^[a-z0-9-]+$/);
  });

  it('nodepool-minimal stages the key and scripts for the chroot, and rdo-requirements needs RPMs', () => {
    const extra = readFileSync(join(PROJECT_ELEMENTS, 'nodepool-minimal/extra-data.d/10-nodepool-files'), 'utf8');
    expect(extra).toContain('DIB_NODEPOOL_PUBLIC_KEY');
    expect(extra).toContain('DIB_NODEPOOL_SCRIPTS_DIR');
    const install = readFileSync(join(PROJECT_ELEMENTS, 'nodepool-minimal/install.d/60-nodepool-user'), 'utf8');
    expect(install).toMatch(/install -d -m 0777 \/etc\/nodepool/);
    expect(install).toContain('/opt/nodepool-scripts');
    expect(readFileSync(join(PROJECT_ELEMENTS, 'rdo-requirements/environment.d/10-rdo-release'), 'utf8')).toContain('RDO_RELEASE');
  });

  // In CI diskimage-builder is installed only for the real-DIB run, which repeats this check.
  it.runIf(dibLintInstalled())('pass dib-lint', () => {
    expect(dibLintVerdict()).toBe('PASS');
  });
});
