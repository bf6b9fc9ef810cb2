// Data other writers may leave under /nodepool (Zuul, upstream Nodepool, a newer version of ours,
// an operator with zkCli), for the foreign-records fuzz test: one payload of each hostile shape.

const DEPTH = 100_000;
const deep = () => '['.repeat(DEPTH) + ']'.repeat(DEPTH);
/** Just under ZooKeeper's default jute.maxbuffer (1 MiB) with the JSON around it. */
const ONE_MB = 'x'.repeat(1_000_000);

export interface Payload {
  name: string;
  /** The bytes written, given the record kind (unknown state and missing fields are per kind). */
  data(kind: string): string;
  /** True when no reader can decode it (not a JSON object of the right shape). Others may decode. */
  undecodable: boolean;
}

/** A well-formed record of the kind in a state no version of ours knows. */
function unknownState(kind: string): Record<string, unknown> {
  const now = Date.now() / 1000;
  switch (kind) {
    case 'node':
      return { state: 'hibernating', state_time: now, provider: 'sim', pool: 'main', type: ['small'], created_time: now, external_id: null, launcher: 'someone-else' };
    case 'request':
      return { state: 'hibernating', state_time: now, node_types: ['small'], nodes: [], declined_by: [], requestor: 'newer-zuul', reuse: true };
    case 'build':
      return { state: 'hibernating', state_time: now, builder: 'nb-newer', formats: ['qcow2'], username: 'zuul' };
    case 'upload':
      return { state: 'hibernating', state_time: now, external_id: 'newer-image', external_name: 'newer-image', format: 'qcow2' };
    case 'component':
      return { kind: 'launcher', hostname: 'newer', state: 'hibernating', version: '99.0' };
    default:
      return { state: 'hibernating' };
  }
}

export const PAYLOADS: readonly Payload[] = [
  { name: 'invalid-json', data: () => '{"state": "ready", ', undecodable: true },
  { name: 'array', data: () => '[1, 2, 3]', undecodable: true },
  { name: 'number', data: () => '42', undecodable: true },
  { name: 'string', data: () => '"ready"', undecodable: true },
  { name: 'null', data: () => 'null', undecodable: true },
  { name: 'to-string', data: () => '{"state": {"toString": 1}}', undecodable: true },
  { name: 'value-of', data: () => '{"state": {"valueOf": 1, "toString": 2}, "state_time": {"valueOf": 1}}', undecodable: true },
  { name: 'proto', data: () => '{"__proto__": {"state": "ready", "polluted": true}, "constructor": {"prototype": {"polluted": true}}}', undecodable: false },
  { name: 'deep', data: () => deep(), undecodable: true },
  { name: 'deep-field', data: () => `{"state": "ready", "type": ${deep()}, "formats": ${deep()}}`, undecodable: false },
  { name: 'huge-number', data: () => '{"state": "ready", "state_time": 1e400, "created_time": -1e400}', undecodable: false },
  { name: 'unknown-state', data: (kind) => JSON.stringify(unknownState(kind)), undecodable: false },
  { name: 'missing-fields', data: () => '{}', undecodable: false },
  { name: 'one-mb', data: () => `{"state": "ready", "comment": "${ONE_MB}", "formats": ["${ONE_MB.slice(0, 1000)}"]}`, undecodable: false },
];
