// Every invalid fixture reports exactly the expected problems at the expected line, column
// and key path; every valid fixture loads (with the expected warnings, if any).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.ts';
import type { FileProbe } from '../../src/config/file-checks.ts';
import { diskProbe } from '../../src/config/file-checks.ts';

const dir = join(import.meta.dirname, '../fixtures/config');
const env = { NODEPOOL_PORT: '8123', NODEPOOL_HOME: '/srv/nodepool', NODEPOOL_CLOUD: 'lab-demo' };
// The blog example names /var/lib/nodepool/.ssh/id_rsa; pretend it exists with mode 0600 here
// (classic-example.test.ts checks the real-disk behaviour).
// The same for the elements-dir the examples name.
const files: FileProbe = (p) => (p === '/var/lib/nodepool/.ssh/id_rsa' ? { isFile: true, mode: 0o600 }
  : p === '/etc/nodepool/elements' ? { isFile: false, isDirectory: true, mode: 0o755 } : diskProbe(p));

type Expected = [severity: 'error' | 'warning', line: number, col: number, path: string, message: string];

const invalid: Record<string, Expected[]> = {
  'yaml-syntax-error.yaml': [['error', 6, 15, 'diskimages[0].elements', "unclosed flow sequence '['"]],
  'bad-indentation.yaml': [['error', 4, 6, 'labels[0].name', 'check the indentation of this line']],
  'duplicate-key.yaml': [['error', 5, 5, 'labels[0].min-ready', 'duplicate key']],
  'unknown-top-level-key.yaml': [
    ['error', 4, 1, 'nothandled', "unknown key 'nothandled'"],
    // The checks after the schema still run on the rest of the file.
    ['warning', 3, 11, 'labels[0].name', "no provider pool offers label 'small'"],
  ],
  'typo-in-pool-label-key.yaml': [
    ['error', 14, 13, 'providers[0].pools[0].labels[0].min-rma', "did you mean 'min-ram'?"],
    ['error', 12, 13, 'providers[0].pools[0].labels[0]', "label 'small' selects no flavor"],
  ],
  'missing-top-label.yaml': [['error', 15, 19, 'providers[0].pools[0].labels[1].name', "label 'large' is not a top-level label"]],
  'no-diskimage-name.yaml': [['error', 3, 5, 'diskimages[0].name', 'missing required key (expected string)']],
  'duplicate-diskimage-name.yaml': [['error', 5, 11, 'diskimages[1].name', "duplicate diskimage name 'debian'"]],
  'missing-parent-diskimage.yaml': [['error', 7, 13, 'diskimages[1].parent', "parent diskimage 'bsae' does not exist"]],
  'parent-loop.yaml': [
    ['error', 4, 13, 'diskimages[0].parent', "loops back to 'a'"],
    ['error', 6, 13, 'diskimages[1].parent', "loops back to 'b'"],
  ],
  'missing-diskimage-provider.yaml': [['error', 11, 15, 'providers[0].diskimages[1].name', "diskimage 'fedora' is not a top-level diskimage"]],
  'pool-label-unknown-diskimage.yaml': [['error', 16, 24, 'providers[0].pools[0].labels[0].diskimage', "is not in provider 'lab' diskimages"]],
  'pool-label-diskimage-and-cloud-image.yaml': [['error', 18, 26, 'providers[0].pools[0].labels[0].cloud-image', 'both diskimage and cloud-image are set']],
  'pool-label-no-image.yaml': [['error', 10, 13, 'providers[0].pools[0].labels[0]', 'neither diskimage nor cloud-image is set']],
  'pool-label-no-flavor.yaml': [['error', 12, 13, 'providers[0].pools[0].labels[0]', 'expected at least one of min-ram, flavor-name)']],
  'unknown-cloud-image.yaml': [['error', 13, 26, 'providers[0].pools[0].labels[0].cloud-image', "cloud-image 'lab-imgae' is not in provider 'lab'"]],
  'wrong-type-min-ready.yaml': [
    ['error', 4, 16, 'labels[0].min-ready', 'wrong type: got string "two" (expected number)'],
    ['error', 10, 22, 'providers[0].pools[0].max-servers', 'expected int'],
    ['warning', 3, 11, 'labels[0].name', "no provider pool offers label 'small'"],
  ],
  'wrong-type-min-ram.yaml': [['error', 14, 22, 'providers[0].pools[0].labels[0].min-ram', 'got string "lots" (expected number)']],
  'alias-without-anchor.yaml': [['error', 4, 16, 'labels[0].min-ready', 'alias *count has no anchor &count before it']],
  'merge-of-scalar.yaml': [['error', 4, 9, 'labels[0].<<', 'merge key << takes something that is not a mapping']],
  'unsupported-driver.yaml': [['error', 4, 13, 'providers[0].driver', 'unsupported driver "aws" (expected one of: openstack, static)']],
  'missing-cloud.yaml': [['error', 3, 5, 'providers[0].cloud', 'missing required key']],
  'cloud-image-id-and-name.yaml': [['error', 8, 21, 'providers[0].cloud-images[0].image-name', 'both image-id and image-name are set']],
  // Upstream leaves the placeholder as written: the port is then the string itself.
  'unset-env-variable.yaml': [
    ['error', 3, 9, 'webapp.port', 'wrong type: got string "%(NODEPOOL_UNSET_PORT)"'],
    ['warning', 3, 10, 'webapp.port', '%(NODEPOOL_UNSET_PORT) is left as written: NODEPOOL_UNSET_PORT is not set'],
  ],
  'yaml11-boolean-env-var.yaml': [['error', 5, 24, 'diskimages[0].env-vars.DIB_DEBUG_TRACE', 'got the boolean true (expected a string']],
  'duplicate-label-name.yaml': [
    ['error', 5, 11, 'labels[1].name', "duplicate label name 'small'"],
    ['warning', 3, 11, 'labels[0].name', "no provider pool offers label 'small'"],
    ['warning', 5, 11, 'labels[1].name', "no provider pool offers label 'small'"],
  ],
  'provider-diskimage-abstract.yaml': [['error', 11, 15, 'providers[0].diskimages[0].name', "diskimage 'base' is abstract"]],
  'not-a-mapping.yaml': [['error', 2, 1, '(top level)', 'got a list (expected a mapping']],
  'many-problems.yaml': [
    ['error', 4, 11, 'zookeeper-servers[0].port', '99999 is too big (expected <= 65535)'],
    ['error', 7, 16, 'labels[0].min-ready', 'wrong type: got number 1.5'],
    ['error', 9, 20, 'labels[1].max-ready-age', 'got string "soon"'],
    ['error', 15, 11, 'providers[0].rate', 'got string "fast"'],
    ['error', 22, 31, 'providers[0].pools[0].labels[0].boot-from-volume', 'got string "maybe" (expected boolean)'],
    ['error', 10, 1, 'webap', "did you mean 'webapp'?"],
    // Cross-reference problems in the same run as the schema ones.
    ['error', 20, 26, 'providers[0].pools[0].labels[0].cloud-image', "cloud-image 'x' is not in provider 'lab'"],
    ['warning', 8, 11, 'labels[1].name', "no provider pool offers label 'big'"],
  ],
  'semantic-problems.yaml': [
    ['error', 6, 13, 'diskimages[0].parent', "parent diskimage 'nothing' does not exist"],
    ['error', 21, 11, 'providers[1].name', "duplicate provider name 'lab'"],
    ['error', 11, 15, 'providers[0].diskimages[0].name', "diskimage 'fedora' is not a top-level diskimage"],
    ['error', 16, 24, 'providers[0].pools[0].labels[0].diskimage', "diskimage 'debian' is not in provider 'lab' diskimages"],
    ['error', 18, 19, 'providers[0].pools[0].labels[1].name', "label 'huge' is not a top-level label"],
  ],
  'classic-bad-cron.yaml': [
    ['error', 4, 10, 'cron.check', "'* * *' has 3 fields"],
    ['error', 3, 12, 'cron.cleanup', "'*/61 * * * *' is not a valid cron schedule"],
  ],
  'classic-label-unknown-image.yaml': [
    ['error', 11, 12, 'labels[0].image', "image 'xenial' is not defined by provider 'lab' (expected one of its images: trusty)"],
    ['warning', 10, 11, 'labels[0].name', "no provider pool offers label 'xenial'"],
  ],
  'classic-label-unknown-provider.yaml': [['error', 14, 15, 'labels[0].providers[1].name', "provider 'elsewhere' does not exist"]],
  'classic-typo-key.yaml': [
    ['error', 8, 9, 'providers[0].images[0].min-rma', "did you mean 'min-ram'?"],
    ['error', 13, 9, 'labels[0].providers[0]', "label 'small' selects no flavor"],
  ],
  'classic-bad-network.yaml': [['error', 6, 9, 'providers[0].networks[0]', 'expected {name}, {net-id} or {net-label}']],
  'classic-inline-credentials.yaml': [
    ['error', 4, 5, 'providers[0]', "provider 'lab' has no cloud"],
    ['warning', 5, 5, 'providers[0].username', 'ignored 4 classic keys with no meaning here: providers[0].username, providers[0].password, providers[0].auth-url, providers[0].project-name'],
  ],
  'classic-diskimage-not-defined.yaml': [['error', 7, 20, 'providers[0].images[0].diskimage', "diskimage 'dib-missing' is not a top-level diskimage"]],
  'classic-duplicate-image.yaml': [['error', 9, 15, 'providers[0].images[1].name', "duplicate image name 'img' in provider 'lab'"]],
  'classic-no-flavor.yaml': [['error', 12, 9, 'labels[0].providers[0]', 'expected at least one of min-ram, flavor-name, name-filter)']],
};

const valid: Record<string, Expected[]> = {
  'current-minimal.yaml': [],
  'current-full.yaml': [],
  'current-devstack-example.yaml': [],
  'current-diskimage-parents.yaml': [],
  'current-cloud-image.yaml': [],
  'current-env-substitution.yaml': [],
  'current-yaml11-scalars.yaml': [],
  'current-merge-keys.yaml': [],
  'current-two-providers.yaml': [],
  'current-winrm-default-port.yaml': [],
  'secure-main.yaml': [],
  'unprovided-label-warning.yaml': [['warning', 4, 11, 'labels[1].name', "no provider pool offers label 'forgotten'"]],
  'min-ready-over-capacity-warning.yaml': [['warning', 4, 16, 'labels[0].min-ready', 'min-ready 5 is more than the 2 server(s)']],
  'classic-blog-example.yaml': [['warning', 6, 1, 'zmq-publishers', 'ignored 4 classic keys with no meaning here: zmq-publishers, gearman-servers, targets, providers[0].pool']],
  'classic-minimal-no-cron.yaml': [],
  'classic-networks-variants.yaml': [['warning', 11, 9, 'providers[0].networks[0].public', 'ignored 1 classic key']],
  'classic-cron-with-seconds.yaml': [],
  'classic-image-ready-script.yaml': [['warning', 10, 23, 'providers[0].images[0].ready-script', "ready-script 'prepare_node.sh' is not in"]],
  'classic-cloud-image-without-diskimage.yaml': [],
  'classic-zookeeper.yaml': [],
  'classic-03-keys.yaml': [
    ['warning', 3, 1, 'script-dir', 'ignored 4 nodepool 0.3 snapshot-image keys: script-dir, cron.image-update, providers[0].images[0].base-image, providers[0].images[0].setup'],
    ['warning', 12, 5, 'providers[0].template-hostname', "ignored 'template-hostname': server names are <label>-<provider>-<node id>"],
    ['warning', 21, 5, 'labels[0].subnodes', "ignored 'subnodes': each node is launched alone"],
  ],
  // A file of this host is only a warning (config-validate --strict makes it an error).
  'classic-missing-private-key.yaml': [['warning', 9, 22, 'providers[0].images[0].private-key', 'private key /nonexistent/nodepool/id_rsa does not exist on this host']],
  'classic-conflicting-usernames.yaml': [['warning', 16, 19, 'providers[1].images[0].username', "username 'zuul' differs from 'jenkins'"]],
};

async function problemsOf(name: string) {
  const result = await validateConfig(join(dir, name), { env, files });
  const all = [...result.errors, ...result.warnings].map((p) => {
    expect(p.file).toBe(join(dir, name));
    return [p.severity, p.line, p.col, p.path, p.message] as const;
  });
  return { result, all };
}

function expectProblems(actual: readonly (readonly [string, number, number, string, string])[], unordered: Expected[]) {
  // Reported as errors then warnings, each in file order.
  const rank = (e: Expected) => (e[0] === 'error' ? 0 : 1e9) + e[1] * 1000 + e[2];
  const expected = [...unordered].sort((a, b) => rank(a) - rank(b));
  expect(actual.map(([s, l, c, p]) => [s, l, c, p])).toEqual(expected.map(([s, l, c, p]) => [s, l, c, p]));
  actual.forEach((a, i) => expect(a[4]).toContain(expected[i][4]));
}

describe('config fixtures', () => {
  it('has at least 40 fixture files, and every top-level one is covered here', () => {
    const names = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(names.length + readdirSync(join(dir, 'secure')).length).toBeGreaterThanOrEqual(40);
    expect(names.sort()).toEqual([...Object.keys(invalid), ...Object.keys(valid)].sort());
  });

  it.each(Object.entries(invalid))('%s is rejected with the exact problems', async (name, expected) => {
    const { result, all } = await problemsOf(name);
    expect(result.config).toBeNull();
    expectProblems(all, expected);
  });

  it.each(Object.entries(valid))('%s loads', async (name, expected) => {
    const { result, all } = await problemsOf(name);
    expect(result.errors).toEqual([]);
    expect(result.config).not.toBeNull();
    expectProblems(all, expected);
  });
});
