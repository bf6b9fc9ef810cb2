// What the launcher, builder, CLI and web app may ask of ZooKeeper. Only the store knows paths.
import type {
  Node, NodeRequest, ImageBuild, ImageUpload, Component, PoolComponent,
  RequestExplanation,
} from '../model/types.ts';
import type { LockHandle, LockOptions } from '../zk/types.ts';
import type { UnreadableRecord } from './unreadable-records.ts';

export type { UnreadableRecord, RecordKind } from './unreadable-records.ts';

/** A Node before ZooKeeper has given it an id. */
export type NewNode = Omit<Node, 'id' | 'version'>;
export type NewRequest = Omit<NodeRequest, 'id' | 'version'>;

export interface ComponentRegistration<C extends Component = Component> {
  /** Path of the ephemeral sequential znode. */
  readonly path: string;
  /** Versioned update of the stored record (e.g. paused, state). */
  update(changes: Partial<C>): Promise<void>;
  /** Re-creates the znode after a session loss. */
  reregister(): Promise<void>;
  unregister(): Promise<void>;
}

/** An always-current in-memory view of one kind of record, fed by a persistent-recursive watch. */
export interface RecordCache<T> {
  /** Resolves once the initial load is complete. */
  readonly ready: Promise<void>;
  get(id: string): T | undefined;
  values(): T[];
  on(event: 'changed', listener: (id: string, record: T | undefined) => void): this;
  off(event: 'changed', listener: (id: string, record: T | undefined) => void): this;
  close(): Promise<void>;
  /** Records present but unreadable (never in values()), for listings. */
  unreadable(): UnreadableRecord[];
}

/** The node cache also follows lock dirs. */
export interface NodeRecordCache extends RecordCache<Node> {
  /** True when the node's lock dir has a contender (upstream's "probably locked"). */
  isLocked(id: string): boolean;
}

export interface Store {
  /** Creates the base paths (/nodepool/nodes, requests, requests-lock, images, components). */
  init(): Promise<void>;

  // ----- nodes (/nodepool/nodes/<seq10>)
  createNode(node: NewNode): Promise<Node>;
  /** null when missing, empty, or undecodable (then logged once with path and reason). */
  getNode(id: string): Promise<Node | null>;
  listNodeIds(): Promise<string[]>;
  /** Reads every node; unreadable ones are left out (and appended to `unreadable` when given), never thrown. */
  listNodes(unreadable?: UnreadableRecord[]): Promise<Node[]>;
  /** Writes the node (keeping its `extra` keys); updates `node.version`. Sets state_time if the state changed is the caller's job. */
  storeNode(node: Node): Promise<void>;
  /** Sets state `deleted`, then removes the znode and its lock children; `lock` (held on this
   *  node) lets the removal go in one request. */
  deleteNode(node: Node, lock?: LockHandle): Promise<void>;
  /** Raw removal of a node znode (e.g. one with no data). */
  deleteNodeZnode(id: string): Promise<void>;
  /** Beyond upstream's interface (added for the cleanup worker): true when the node znode exists
   *  and holds no data at all, as opposed to data that cannot be decoded (getNode is null for both). */
  isNodeEmpty(id: string): Promise<boolean>;
  lockNode(id: string, options?: LockOptions): Promise<LockHandle | null>;
  /** True when /nodepool/nodes/<id>/lock has any child. */
  nodeIsLocked(id: string): Promise<boolean>;
  /** Deletes the current holder's contender node (CLI `delete --now` on a stuck lock). */
  forceUnlockNode(id: string): Promise<void>;
  nodeCache(): NodeRecordCache;
  /** listNodes() plus each node's lock state, read together in one pipelined pass (`nodepool list`). */
  listNodesWithLockState(unreadable?: { record: UnreadableRecord; locked: boolean }[]): Promise<{ node: Node; locked: boolean }[]>;
  /** Lock state of many nodes in one pipelined pass (for listings); same test as nodeIsLocked. */
  nodesLocked(ids: readonly string[]): Promise<Map<string, boolean>>;

  // ----- requests (/nodepool/requests/<PPP>-<seq10>)
  /** priority is the 3-digit prefix ("100", "200", "900"). */
  submitRequest(request: NewRequest, priority: string, ephemeral: boolean): Promise<NodeRequest>;
  /** null when missing or undecodable (logged). */
  getRequest(id: string): Promise<NodeRequest | null>;
  listRequestIds(): Promise<string[]>;
  listRequests(unreadable?: UnreadableRecord[]): Promise<NodeRequest[]>;
  /** True when the request znode exists, readable or not. */
  requestExists(id: string): Promise<boolean>;
  /** Versioned write when request.version is set; throws BadVersionError on a race. */
  storeRequest(request: NodeRequest): Promise<void>;
  deleteRequest(id: string): Promise<void>;
  lockRequest(id: string, options?: LockOptions): Promise<LockHandle | null>;
  /** Request lock dirs with the newest mtime of anything in them (ms). */
  listRequestLocks(): Promise<{ id: string; mtime: number }[]>;
  deleteRequestLock(id: string): Promise<void>;
  requestCache(): RecordCache<NodeRequest>;
  /** Beyond upstream: one launcher at a time decides min-ready (/nodepool/elections/min-ready lock). */
  lockMinReady(options?: LockOptions): Promise<LockHandle | null>;
  /** Beyond upstream: held while a launcher registers, updates or removes a static provider's
   *  nodes, so two launchers never register the same host twice. */
  lockStaticSync(provider: string, options?: LockOptions): Promise<LockHandle | null>;

  // ----- images (/nodepool/images/<image>/...)
  listImageNames(): Promise<string[]>;
  isImagePaused(image: string): Promise<boolean>;
  setImagePaused(image: string, paused: boolean): Promise<void>;
  requestImageBuild(image: string): Promise<void>;
  hasBuildRequest(image: string): Promise<boolean>;
  clearBuildRequest(image: string): Promise<void>;
  /** "One build of this image at a time": /nodepool/images/<image>/builds/lock. */
  lockImageBuilds(image: string, options?: LockOptions): Promise<LockHandle | null>;
  /** Creates the build znode with a fresh uuid4-hex id (or the given one). */
  createBuild(build: Omit<ImageBuild, 'id' | 'version'> & { id?: string }): Promise<ImageBuild>;
  getBuild(image: string, buildId: string): Promise<ImageBuild | null>;
  /** Every build of the image, newest state_time first. */
  listBuilds(image: string, unreadable?: UnreadableRecord[]): Promise<ImageBuild[]>;
  /** True when the build znode exists, readable or not. */
  buildExists(image: string, buildId: string): Promise<boolean>;
  storeBuild(build: ImageBuild): Promise<void>;
  /** Removes the build znode and everything below it; false (nothing deleted) while upload records remain, as upstream. */
  deleteBuild(image: string, buildId: string): Promise<boolean>;
  lockBuild(image: string, buildId: string, options?: LockOptions): Promise<LockHandle | null>;
  /** "One upload per build+provider at a time": .../providers/<p>/images/lock. */
  lockUploads(image: string, buildId: string, provider: string, options?: LockOptions): Promise<LockHandle | null>;
  createUpload(upload: Omit<ImageUpload, 'id' | 'version'>): Promise<ImageUpload>;
  getUpload(image: string, buildId: string, provider: string, uploadId: string): Promise<ImageUpload | null>;
  /** Uploads of one build, optionally for one provider; unreadable ones go to `unreadable` when given. */
  listUploads(image: string, buildId: string, provider?: string, unreadable?: UnreadableRecord[]): Promise<ImageUpload[]>;
  storeUpload(upload: ImageUpload): Promise<void>;
  deleteUpload(upload: ImageUpload): Promise<void>;
  lockUpload(upload: ImageUpload, options?: LockOptions): Promise<LockHandle | null>;
  /** Newest READY upload of the image to the provider, or null. */
  latestReadyUpload(image: string, provider: string): Promise<ImageUpload | null>;
  /** The upload's path, which is what Node.image_id holds. */
  uploadPath(upload: ImageUpload): string;

  // ----- components (/nodepool/components/<kind>/<hostname><seq10>)
  /** Registers through connection losses (a lost reply never registers twice) until done or
   *  until `signal` aborts. */
  registerComponent<C extends Component>(component: C, signal?: AbortSignal): Promise<ComponentRegistration<C>>;
  listComponents(kind: 'launcher', unreadable?: UnreadableRecord[]): Promise<Extract<Component, { kind: 'launcher' }>[]>;
  listComponents(kind: 'builder', unreadable?: UnreadableRecord[]): Promise<Extract<Component, { kind: 'builder' }>[]>;
  listComponents(kind: 'pool', unreadable?: UnreadableRecord[]): Promise<PoolComponent[]>;
  /** Every record this store found unreadable and has not seen go away since (what the gauge counts). */
  unreadableRecords(): UnreadableRecord[];

  // ----- beyond upstream: why a request waits (/nodepool/explanations/<request-id>, one child per pool)
  recordExplanation(explanation: RequestExplanation): Promise<void>;
  listExplanations(requestId: string): Promise<RequestExplanation[]>;
  deleteExplanations(requestId: string): Promise<void>;
  /** Deletes explanations whose request znode is gone (requestors delete requests); returns how many. */
  pruneExplanations(): Promise<number>;

  // ----- beyond upstream, for the CLI and the builder
  /** Manual build request detail for `nodepool image-status`: `building` once a builder holds the
   *  image's builds lock, else `pending`; time = the request-build znode's ctime, epoch seconds. */
  getBuildRequest(image: string): Promise<{ state: 'pending' | 'building'; time: number } | null>;
  /** Classic `nodepool image-upload PROVIDER IMAGE`: asks the builder to upload the image's newest
   *  ready build to the provider now: /nodepool/images/<image>/request-upload/<provider> (empty). */
  requestImageUpload(image: string, provider: string): Promise<void>;
  /** Providers with a pending manual upload request for the image (for the builder's upload worker). */
  listUploadRequests(image: string): Promise<string[]>;
  /** The builder removes the request once it has started (or finished) that upload. */
  clearUploadRequest(image: string, provider: string): Promise<void>;

  // ----- export / import of image data (upstream's export-image-data format)
  exportImageData(): Promise<Record<string, string>>;
  importImageData(data: Record<string, string>): Promise<void>;
}
