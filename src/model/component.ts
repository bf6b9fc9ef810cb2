// Component registrations as upstream writes them: json.dumps(content, sort_keys=True).
import type { Component, ComponentState, PoolComponent } from './types.ts';
import { FieldReader, parseRecord } from './fields.ts';
import { RecordDecodeError } from './errors.ts';
import { pyJsonBytes } from './py-json.ts';
import type { DecodeMeta } from './node.ts';

export const COMPONENT_KINDS = ['launcher', 'builder', 'pool'] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];
export const COMPONENT_STATES: readonly ComponentState[] = ['initializing', 'running', 'paused', 'stopped'];

export function componentToDict(component: Component): Record<string, unknown> {
  const dict: Record<string, unknown> = {
    hostname: component.hostname,
    kind: component.kind,
    model_api: component.model_api,
    state: component.state,
    version: component.version,
  };
  if (component.kind === 'pool') {
    dict.id = component.id;
    dict.name = component.name;
    dict.paused = component.paused;
    dict.priority = component.priority;
    dict.provider_name = component.provider_name;
    dict.supported_labels = component.supported_labels;
  }
  return dict;
}

export function encodeComponent(component: Component): Buffer {
  return pyJsonBytes(componentToDict(component), { sortKeys: true });
}

/** `kind` comes from the znode's parent (/nodepool/components/<kind>), as upstream's registry does. */
export function decodeComponent(kind: ComponentKind, data: Buffer | Uint8Array | string, meta: DecodeMeta = {}): Component {
  const path = meta.path ?? kind;
  if (!(COMPONENT_KINDS as readonly string[]).includes(kind)) {
    throw new RecordDecodeError(path, `unknown component kind "${kind}"`);
  }
  const f = new FieldReader(parseRecord(data, path), path);
  const base = {
    hostname: f.string('hostname', ''),
    model_api: f.number('model_api', 0),
    // Any string: a pool registered by a newer launcher in a state we do not know still counts
    // as registered (a request it has not declined must not fail).
    state: f.string('state', 'stopped'),
    version: f.string('version', ''),
  };
  if (kind !== 'pool') return { ...base, kind };
  const pool: PoolComponent = {
    ...base,
    kind,
    id: f.string('id', ''),
    name: f.string('name', ''),
    paused: f.boolean('paused', false),
    priority: f.number('priority', 100),
    provider_name: f.string('provider_name', ''),
    supported_labels: f.stringList('supported_labels'),
  };
  return pool;
}
