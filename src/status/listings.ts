// The status listings shared by the CLI and the web app (upstream nodepool/status.py): pure
// functions from records to rows. A row's keys are the JSON keys; `columns` maps them to the
// table headers. Ages stay raw epoch seconds in rows and are formatted only when drawn.
import type { Node, NodeRequest, ImageBuild, ImageUpload, PoolComponent } from '../model/types.ts';
import type { UnreadableRecord } from '../store/unreadable-records.ts';
import { renderTable, formatAge } from './table.ts';

export interface StatusColumn {
  readonly key: string;
  readonly title: string;
  /** Drawn as DD:HH:MM:SS from the raw epoch-seconds value. */
  readonly age?: boolean;
}

export type StatusRow = Record<string, unknown>;

export interface StatusTable {
  readonly columns: readonly StatusColumn[];
  readonly rows: StatusRow[];
}

const col = (key: string, title: string, age = false): StatusColumn => (age ? { key, title, age } : { key, title });

export const NODE_COLUMNS: readonly StatusColumn[] = [
  col('id', 'ID'), col('provider', 'Provider'), col('label', 'Label'), col('server_id', 'Server ID'),
  col('public_ipv4', 'Public IPv4'), col('ipv6', 'IPv6'), col('state', 'State'), col('age', 'Age', true),
  col('locked', 'Locked'),
];
export const NODE_DETAIL_COLUMNS: readonly StatusColumn[] = [
  ...NODE_COLUMNS,
  col('pool', 'Pool'), col('hostname', 'Hostname'), col('private_ipv4', 'Private IPv4'), col('AZ', 'AZ'),
  col('username', 'Username'), col('connection_port', 'Port'), col('launcher', 'Launcher'),
  col('allocated_to', 'Allocated To'), col('hold_job', 'Hold Job'), col('comment', 'Comment'),
  col('user_data', 'User Data'), col('driver_data', 'Driver Data'),
];
export const IMAGE_COLUMNS: readonly StatusColumn[] = [
  col('id', 'Build ID'), col('upload_id', 'Upload ID'), col('provider', 'Provider'), col('image', 'Image'),
  col('external_name', 'Provider Image Name'), col('external_id', 'Provider Image ID'), col('state', 'State'),
  col('age', 'Age', true),
];
export const DIB_IMAGE_COLUMNS: readonly StatusColumn[] = [
  col('id', 'ID'), col('image', 'Image'), col('builder', 'Builder'), col('formats', 'Formats'),
  col('state', 'State'), col('age', 'Age', true),
];
export const REQUEST_COLUMNS: readonly StatusColumn[] = [
  col('id', 'Request ID'), col('relative_priority', 'Priority'), col('state', 'State'), col('requestor', 'Requestor'),
  col('node_types', 'Node Types'), col('nodes', 'Nodes'), col('declined_by', 'Declined By'), col('event_id', 'Event ID'),
];
export const IMAGE_STATUS_COLUMNS: readonly StatusColumn[] = [
  col('image', 'Image'), col('paused', 'Paused'), col('build_request', 'Build Request'),
  col('build_request_age', 'Build Request Age', true),
];
export const LABEL_COLUMNS: readonly StatusColumn[] = [col('label', 'Label')];

/** What the State column says of a record we cannot read; the JSON row also has `unreadable`: why. */
export const UNREADABLE_STATE = 'unreadable';

const byRowId = (a: StatusRow, b: StatusRow) => (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0);

/** A node row for a record we cannot read: its id, lock and why; the rest unknown. */
function unreadableNodeRow(record: UnreadableRecord, locked: boolean): StatusRow {
  return {
    id: record.id, provider: null, label: null, server_id: null, public_ipv4: null, ipv6: null,
    state: UNREADABLE_STATE, age: null, locked: locked ? 'locked' : 'unlocked', pool: null, hostname: null,
    private_ipv4: null, AZ: null, username: null, connection_port: null, launcher: null, allocated_to: null,
    hold_job: null, comment: record.reason, user_data: null, driver_data: null, unreadable: record.reason,
  };
}

/** One node row; the JSON of /node-list always carries every detail key (as upstream). */
export function nodeRow(node: Node, locked: boolean): StatusRow {
  return {
    id: node.id,
    provider: node.provider,
    label: node.type,
    server_id: node.external_id,
    public_ipv4: node.public_ipv4,
    ipv6: node.public_ipv6,
    state: node.state,
    age: Math.trunc(node.state_time),
    locked: locked ? 'locked' : 'unlocked',
    pool: node.pool,
    hostname: node.hostname,
    private_ipv4: node.private_ipv4,
    AZ: node.az,
    username: node.username,
    // A port that is not an integer came from a driver we do not trust to print (upstream redacts it).
    connection_port: Number.isInteger(node.connection_port) ? node.connection_port : 'redacted',
    launcher: node.launcher,
    allocated_to: node.allocated_to,
    hold_job: node.hold_job,
    comment: node.comment,
    user_data: node.user_data ?? null,
    driver_data: node.driver_data ?? null,
  };
}

/** Nodes by id; unreadable node records are rows too (state `unreadable`), in id order. */
export function nodeList(nodes: readonly Node[], lockedIds: ReadonlySet<string>, detail = false,
                         unreadable: readonly { record: UnreadableRecord; locked: boolean }[] = []): StatusTable {
  const rows = nodes.map((n) => nodeRow(n, lockedIds.has(n.id)));
  if (unreadable.length > 0) rows.push(...unreadable.map((u) => unreadableNodeRow(u.record, u.locked)));
  return {
    columns: detail ? NODE_DETAIL_COLUMNS : NODE_COLUMNS,
    rows: unreadable.length > 0 ? rows.sort(byRowId) : rows,
  };
}

export function uploadRow(u: ImageUpload): StatusRow {
  return {
    id: u.build_id,
    upload_id: u.id,
    provider: u.provider,
    image: u.image,
    external_name: u.external_name,
    external_id: u.external_id,
    state: u.state,
    age: Math.trunc(u.state_time),
  };
}

export function unreadableUploadRow(r: UnreadableRecord): StatusRow {
  return {
    id: r.buildId ?? null, upload_id: r.id, provider: r.provider ?? null, image: r.image ?? null,
    external_name: null, external_id: null, state: UNREADABLE_STATE, age: null, unreadable: r.reason,
  };
}

/** Rows in the caller's order (per build, per provider); see collectImageList. */
export function imageList(rows: readonly (ImageUpload | UnreadableRecord)[]): StatusTable {
  return {
    columns: IMAGE_COLUMNS,
    rows: rows.map((u) => ('kind' in u && u.kind === 'upload' ? unreadableUploadRow(u) : uploadRow(u as ImageUpload))),
  };
}

export function dibImageList(builds: readonly ImageBuild[], pausedImages: ReadonlySet<string>,
                             unreadable: readonly UnreadableRecord[] = []): StatusTable {
  const rows: StatusRow[] = builds.map((b) => ({
    id: `${b.image}-${b.id}`,
    image: b.image,
    builder: b.builder,
    // Upstream's JSON gives the build's formats as a list (the text table joins it with ",");
    // sorted, so the answer does not depend on the order a builder wrote them in.
    formats: [...b.formats].sort(),
    state: pausedImages.has(b.image) ? 'paused' : b.state,
    age: Math.trunc(b.state_time),
  }));
  for (const r of unreadable) {
    rows.push({
      id: `${r.image}-${r.id}`, image: r.image ?? null, builder: null, formats: null,
      state: UNREADABLE_STATE, age: null, unreadable: r.reason,
    });
  }
  return { columns: DIB_IMAGE_COLUMNS, rows };
}

export function requestList(requests: readonly NodeRequest[], unreadable: readonly UnreadableRecord[] = []): StatusTable {
  const rows: StatusRow[] = requests.map((r) => ({
    id: r.id,
    relative_priority: r.relative_priority,
    state: r.state,
    requestor: r.requestor,
    node_types: r.node_types,
    nodes: r.nodes,
    declined_by: r.declined_by,
    event_id: r.event_id,
  }));
  for (const r of unreadable) {
    rows.push({
      id: r.id, relative_priority: null, state: UNREADABLE_STATE, requestor: null, node_types: null, nodes: null,
      declined_by: null, event_id: null, unreadable: r.reason,
    });
  }
  return { columns: REQUEST_COLUMNS, rows: unreadable.length > 0 ? rows.sort(byRowId) : rows };
}

export interface ImageStatusInput {
  image: string;
  paused: boolean;
  /** null when no manual build was requested. */
  buildRequest: { state: 'pending' | 'building'; time: number | null } | null;
}

export function imageStatus(images: readonly ImageStatusInput[]): StatusTable {
  return {
    columns: IMAGE_STATUS_COLUMNS,
    rows: images.map((i) => ({
      image: i.image,
      paused: i.paused,
      build_request: i.buildRequest?.state ?? null,
      build_request_age: i.buildRequest?.time != null ? Math.trunc(i.buildRequest.time) : null,
    })),
  };
}

/** The union of every registered pool's supported labels, sorted. */
export function labelList(pools: readonly PoolComponent[]): StatusTable {
  const labels = new Set<string>();
  for (const p of pools) for (const l of p.supported_labels ?? []) labels.add(l);
  return { columns: LABEL_COLUMNS, rows: [...labels].sort().map((label) => ({ label })) };
}

/** Restricts the columns to `fields` (upstream's ?fields=a,b), keeping the table's order. */
export function selectColumns(columns: readonly StatusColumn[], fields: readonly string[] | null): readonly StatusColumn[] {
  if (!fields || fields.length === 0) return columns;
  return columns.filter((c) => fields.includes(c.key));
}

/** The PrettyTable text of a listing; `nowMs` comes from the injected clock. */
export function renderStatusText(table: StatusTable, nowMs: number, fields: readonly string[] | null = null): string {
  const columns = selectColumns(table.columns, fields);
  const rows = table.rows.map((row) =>
    columns.map((c) => {
      const v = row[c.key];
      return c.age && typeof v === 'number' ? formatAge(nowMs, v) : v;
    }),
  );
  return renderTable(columns.map((c) => c.title), rows);
}

/** The JSON of a listing: the rows, ages as raw epoch seconds, lists as lists, nulls as null. */
export function renderStatusJson(table: StatusTable): string {
  return JSON.stringify(table.rows);
}
