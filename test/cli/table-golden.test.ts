// Golden output: every fixture in test/fixtures/status renders byte-for-byte as the .txt beside it.
// reference-* are examples rendered by upstream's status.output, observed-* were captured from a
// running upstream; oracle-* were rendered by PrettyTable 3.6.0 following upstream's status.py.
import { describe, it, expect } from 'vitest';
import { renderStatusText } from '../../src/status/listings.ts';
import { listFixtures, expectedText, fixtureTable } from '../web/status-fixtures.ts';

const fixtures = listFixtures();

describe('status tables match upstream PrettyTable output', () => {
  it('has goldens for every listing kind', () => {
    const kinds = new Set(fixtures.map((f) => f.kind));
    for (const k of ['node-list', 'node-list-detail', 'image-list', 'dib-image-list', 'request-list', 'image-status', 'label-list']) {
      expect(kinds.has(k), k).toBe(true);
    }
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s', (_name, f) => {
    const text = renderStatusText(fixtureTable(f), f.now * 1000) + '\n';
    expect(text).toBe(expectedText(f.name));
  });

  it('keeps the two request rows a running upstream printed verbatim', () => {
    const f = fixtures.find((x) => x.name === 'oracle-request-list-observed-rows')!;
    const text = renderStatusText(fixtureTable(f), f.now * 1000);
    expect(text).toContain('| 200-0000000133 | 0        | pending   | bench-vm           | small,small          |       |             | 9df1452b37d0467a8ade58f893be6992 |');
    expect(text).toContain('| 200-0000000140 | 0        | requested | bench-vm           | small,small          |       |             | baf72e4d339b46888793c15c4d6b3c47 |');
  });

  it('keeps State at column index 6 for list and image-list (upstream test_commands.assert_listed)', () => {
    for (const name of ['reference-node-list', 'oracle-node-list-detail', 'reference-image-list']) {
      const f = fixtures.find((x) => x.name === name)!;
      const line = renderStatusText(fixtureTable(f), f.now * 1000).split('\n')[3];
      const cells = line.split('|').slice(1, -1).map((c) => c.trim());
      expect(['ready', 'in-use']).toContain(cells[6]);
    }
  });
});
