// Reads what the status listings show from the store (the effectful half of listings.ts).
// Reads are issued concurrently in bounded windows: `nodepool list` over 10,000 nodes must be
// one pipelined sweep, not 20,000 round trips in a row.
import type { Store } from '../store/types.ts';
import type { ImageBuild, ImageUpload, Node } from '../model/types.ts';
import type { UnreadableRecord } from '../store/unreadable-records.ts';
import {
  nodeList, imageList, dibImageList, requestList, imageStatus, labelList,
  type StatusTable, type ImageStatusInput,
} from './listings.ts';

/** The part of the store the listings read. */
export type StatusStore = Pick<
  Store,
  | 'listNodes' | 'getNode' | 'nodeIsLocked' | 'listImageNames' | 'isImagePaused' | 'listBuilds'
  | 'listUploads' | 'listRequests' | 'listComponents' | 'hasBuildRequest' | 'getBuildRequest'
  | 'listNodesWithLockState' | 'unreadableRecords'
>;

const WINDOW = 512;

/** Maps with at most `limit` calls in flight, keeping the input order. */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Unreadable records are rows too (state `unreadable`), so an operator sees them and can delete them. */
export async function collectNodeList(store: StatusStore, options: { nodeId?: string | null; detail?: boolean } = {}): Promise<StatusTable> {
  let nodes: Node[];
  let locked: Set<string>;
  const unreadable: { record: UnreadableRecord; locked: boolean }[] = [];
  if (!options.nodeId) {
    // One bulk pass (the store batches each node's data and lock-dir reads into multiRead requests).
    const rows = (await store.listNodesWithLockState(unreadable)).sort((a, b) => byId(a.node, b.node));
    nodes = rows.map((r) => r.node);
    locked = new Set(rows.filter((r) => r.locked).map((r) => r.node.id));
  } else {
    const sink: UnreadableRecord[] = [];
    if (options.nodeId) {
      const node = await store.getNode(options.nodeId);
      nodes = node ? [node] : [];
      // getNode is null for a missing and for an unreadable node; the store's registry tells which.
      const bad = node ? undefined : store.unreadableRecords().find((r) => r.kind === 'node' && r.id === options.nodeId);
      if (bad) sink.push(bad);
    } else {
      nodes = (await store.listNodes(sink)).sort(byId);
    }
    const flags = await mapConcurrent(nodes, WINDOW, (n) => store.nodeIsLocked(n.id));
    locked = new Set(nodes.filter((_, i) => flags[i]).map((n) => n.id));
    for (const record of sink) unreadable.push({ record, locked: await store.nodeIsLocked(record.id) });
  }
  return nodeList(nodes, locked, options.detail ?? false, unreadable);
}

interface BuildListing {
  builds: ImageBuild[];
  unreadable: UnreadableRecord[];
}

async function allBuilds(store: StatusStore, images: readonly string[]): Promise<BuildListing> {
  const unreadable: UnreadableRecord[] = [];
  const perImage = await mapConcurrent(images, WINDOW, async (image) => {
    const sink: UnreadableRecord[] = [];
    const builds = await store.listBuilds(image, sink);
    return { builds, sink };
  });
  for (const p of perImage) unreadable.push(...p.sink);
  return { builds: perImage.flatMap((p) => p.builds), unreadable };
}

export async function collectImageList(store: StatusStore): Promise<StatusTable> {
  const { builds, unreadable } = await allBuilds(store, (await store.listImageNames()).sort());
  // Uploads of unreadable builds are listed too: their path says which build they belong to.
  const buildRefs = [
    ...builds.map((b) => ({ image: b.image, id: b.id })),
    ...unreadable.map((r) => ({ image: r.image ?? '', id: r.id })),
  ];
  const perBuild = await mapConcurrent(buildRefs, WINDOW, async (b) => {
    const sink: UnreadableRecord[] = [];
    const uploads = await store.listUploads(b.image, b.id, undefined, sink);
    const rows: (ImageUpload | UnreadableRecord)[] = [...uploads, ...sink];
    return rows.sort((x, y) => {
      const px = 'kind' in x ? x.provider ?? '' : x.provider;
      const py = 'kind' in y ? y.provider ?? '' : y.provider;
      return px === py ? (x.id < y.id ? -1 : x.id > y.id ? 1 : 0) : px < py ? -1 : 1;
    });
  });
  return imageList(perBuild.flat());
}

export async function collectDibImageList(store: StatusStore): Promise<StatusTable> {
  const images = (await store.listImageNames()).sort();
  const [paused, listing] = await Promise.all([
    mapConcurrent(images, WINDOW, (i) => store.isImagePaused(i)),
    allBuilds(store, images),
  ]);
  return dibImageList(listing.builds, new Set(images.filter((_, i) => paused[i])), listing.unreadable);
}

export async function collectRequestList(store: StatusStore): Promise<StatusTable> {
  const unreadable: UnreadableRecord[] = [];
  const requests = (await store.listRequests(unreadable)).sort(byId);
  return requestList(requests, unreadable);
}

export async function collectImageStatus(store: StatusStore): Promise<StatusTable> {
  const images = (await store.listImageNames()).sort();
  const inputs = await mapConcurrent(images, WINDOW, async (image): Promise<ImageStatusInput> => {
    const paused = await store.isImagePaused(image);
    return { image, paused, buildRequest: await store.getBuildRequest(image) };
  });
  return imageStatus(inputs);
}

export async function collectLabelList(store: StatusStore): Promise<StatusTable> {
  return labelList(await store.listComponents('pool'));
}

export type ListingName = 'node-list' | 'image-list' | 'dib-image-list' | 'request-list' | 'image-status' | 'label-list';

/** The listings by their web path name. */
export function collectListing(store: StatusStore, name: ListingName, params: { nodeId?: string | null } = {}): Promise<StatusTable> {
  switch (name) {
    case 'node-list': return collectNodeList(store, { nodeId: params.nodeId, detail: true });
    case 'image-list': return collectImageList(store);
    case 'dib-image-list': return collectDibImageList(store);
    case 'request-list': return collectRequestList(store);
    case 'image-status': return collectImageStatus(store);
    case 'label-list': return collectLabelList(store);
  }
}
