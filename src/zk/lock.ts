// kazoo-compatible lock recipe (kazoo.recipe.lock.Lock), so our daemons and Zuul share locks:
// contenders are ephemeral sequential `<lockDir>/<uuid4hex>__lock__<seq10>`, ordered by the
// sequence after `__lock__`; the lowest holds the lock, the others watch their predecessor.
import { randomUUID } from 'node:crypto';
import { ConnectionLossError, ErrorCode, NoNodeError, NodeExistsError, SessionExpiredError } from './errors.ts';
import { CreateMode, type LockHandle, type LockOptions, type ZkClient } from './types.ts';

export const LOCK_NODE_NAME = '__lock__';
const CONTENDER_RE = /__lock__(\d{10})$/;

/** The 10-digit sequence of a contender name, or null for names that are not contenders. */
export function lockSequence(name: string): string | null {
  const m = CONTENDER_RE.exec(name);
  return m ? m[1] : null;
}

/** Contender names in lock order (lowest sequence first); other names are left out. */
export function sortContenders(children: readonly string[]): string[] {
  return children.filter((c) => lockSequence(c) !== null).sort((a, b) => (lockSequence(a)! < lockSequence(b)! ? -1 : 1));
}

export interface LockContender {
  name: string;
  path: string;
  sequence: string;
  /** The contender's data (kazoo identifier), usually "". */
  identifier: string;
}

/** Everyone waiting for or holding the lock, holder first; [] when the lock dir is missing. */
export async function lockContenders(client: ZkClient, lockDir: string): Promise<LockContender[]> {
  let children: string[];
  try {
    ({ children } = await client.getChildren(lockDir));
  } catch (e) {
    if (e instanceof NoNodeError) return [];
    throw e;
  }
  const names = sortContenders(children);
  const datas = await Promise.all(names.map((n) => client.getData(`${lockDir}/${n}`).then((r) => r.data.toString(), (e) => {
    if (e instanceof NoNodeError) return null;
    throw e;
  })));
  const out: LockContender[] = [];
  names.forEach((name, i) => {
    const identifier = datas[i];
    if (identifier !== null) out.push({ name, path: `${lockDir}/${name}`, sequence: lockSequence(name)!, identifier });
  });
  return out;
}

function expired(path: string): SessionExpiredError {
  return new SessionExpiredError(ErrorCode.SESSION_EXPIRED, 'session expired while acquiring lock', path);
}

/** Resolves when the client is connected; rejects on session loss, close or abort. */
function whenConnected(client: ZkClient, signal: AbortSignal): Promise<void> {
  if (client.state === 'connected') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (fn: () => void) => () => {
      client.off('connected', onConnected).off('closed', onClosed);
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onConnected = done(resolve);
    const onClosed = done(() => reject(new ConnectionLossError(ErrorCode.CONNECTION_LOSS, 'client closed')));
    const onAbort = done(() => reject(signal.reason));
    client.on('connected', onConnected).on('closed', onClosed);
    signal.addEventListener('abort', onAbort);
  });
}

/** Runs op, retrying after a connection loss once the session is back. */
async function retrying<T>(client: ZkClient, signal: AbortSignal, op: () => Promise<T>): Promise<T> {
  for (;;) {
    signal.throwIfAborted();
    try {
      return await op();
    } catch (e) {
      if (!(e instanceof ConnectionLossError)) throw e;
      await whenConnected(client, signal);
    }
  }
}

/** Deletes our contender even across a connection loss, so a failed acquire never leaves a
 *  node that blocks everyone; session loss or close removes it anyway. */
function deleteEventually(client: ZkClient, path: string): Promise<void> {
  return retrying(client, new AbortController().signal, () => client.delete(path)).catch(() => undefined);
}

/** For an acquire that gave up while a create of ours may have landed unseen (its reply lost
 *  to a connection loss, then a timeout or abort before we looked for it): removes every
 *  contender carrying our uuid, which would otherwise hold or block the lock for as long as
 *  this session lives. A session loss removes them anyway. */
function deleteOwnContenders(client: ZkClient, lockDir: string, uuid: string): Promise<void> {
  const prefix = `${uuid}${LOCK_NODE_NAME}`;
  return retrying(client, new AbortController().signal, async () => {
    let children: string[];
    try {
      ({ children } = await client.getChildren(lockDir));
    } catch (e) {
      if (e instanceof NoNodeError) return;
      throw e;
    }
    await Promise.all(children.filter((c) => c.startsWith(prefix)).map((c) => client.delete(`${lockDir}/${c}`).catch((e: unknown) => {
      if (!(e instanceof NoNodeError)) throw e;
    })));
  }).catch(() => undefined);
}

interface Contender {
  path: string;
  /** Created together with the lock dir in one multi, so it is the first and only contender. */
  alone: boolean;
}

/**
 * Creates our contender, and the lock dir when missing: dir and contender go in one multi, so a
 * first locker needs one request and no getChildren. When the lock dir's parent is missing it is
 * created (kazoo's ensure_path) unless `parentMustExist`, which gives null instead. If a reply is
 * lost the node may exist anyway: look for it by our uuid before creating another (kazoo's _find_node).
 */
async function createContender(
  client: ZkClient, lockDir: string, uuid: string, identifier: string, signal: AbortSignal,
  options: { parentMustExist: boolean; dirLikelyMissing: boolean },
): Promise<Contender | null> {
  const prefix = `${uuid}${LOCK_NODE_NAME}`;
  let withDir = options.dirLikelyMissing;
  for (;;) {
    signal.throwIfAborted();
    try {
      if (!withDir) return { path: await client.create(`${lockDir}/${prefix}`, identifier, CreateMode.EPHEMERAL_SEQUENTIAL), alone: false };
      const [, created] = await client.multi([
        { op: 'create', path: lockDir },
        { op: 'create', path: `${lockDir}/${prefix}`, data: identifier, mode: CreateMode.EPHEMERAL_SEQUENTIAL },
      ]);
      return { path: (created as { path: string }).path, alone: true };
    } catch (e) {
      if (e instanceof NodeExistsError && withDir) { withDir = false; continue; }
      if (e instanceof NoNodeError && !withDir) { withDir = true; continue; }
      if (e instanceof NoNodeError) {
        if (options.parentMustExist) return null;
        await retrying(client, signal, () => client.mkdirp(parentOf(lockDir)));
        continue;
      }
      if (!(e instanceof ConnectionLossError)) throw e;
      await whenConnected(client, signal);
      let children: string[];
      try {
        ({ children } = await retrying(client, signal, () => client.getChildren(lockDir)));
      } catch (err) {
        if (err instanceof NoNodeError) continue;
        throw err;
      }
      const mine = children.find((c) => c.startsWith(prefix));
      if (mine) return { path: `${lockDir}/${mine}`, alone: false };
    }
  }
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Waits until `path` is gone or changes; rejects when `signal` aborts. */
function waitForChange(client: ZkClient, path: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => finish(() => reject(signal.reason));
    signal.addEventListener('abort', onAbort);
    client.exists(path, () => finish(resolve)).then(
      (stat) => { if (stat === null) finish(resolve); },
      (e) => finish(() => reject(e)),
    );
  });
}

/** Acquires `lockDir`. Resolves a handle when held, or null when a non-blocking attempt finds
 *  the lock taken or a blocking one times out. Rejects on abort or session expiry. */
export async function acquireLock(client: ZkClient, lockDir: string, options: LockOptions = {}): Promise<LockHandle | null> {
  const blocking = options.blocking ?? true;
  const uuid = randomUUID().replaceAll('-', '');
  const stop = new AbortController();
  const onLost = (): void => stop.abort(expired(lockDir));
  const onCallerAbort = (): void => stop.abort(options.signal!.reason);
  client.on('lost', onLost);
  options.signal?.addEventListener('abort', onCallerAbort);
  if (options.signal?.aborted) onCallerAbort();
  // The timeout covers every wait (contenders, reconnects) and means "not acquired", not an error.
  const timedOut = new Error('lock acquire timed out');
  const timer = blocking && options.timeoutMs !== undefined ? setTimeout(() => stop.abort(timedOut), options.timeoutMs) : undefined;
  let node: string | null = null;
  /** A create is out whose outcome we have not seen. */
  let createUnseen = false;
  // Leaves no contender behind; waits for that only while connected, so a give-up stays prompt.
  const giveUp = async (): Promise<null> => {
    const cleanup = node ? deleteEventually(client, node) : deleteOwnContenders(client, lockDir, uuid);
    if (client.state === 'connected') await cleanup;
    return null;
  };
  try {
    for (;;) {
      createUnseen = true;
      const contender = await createContender(client, lockDir, uuid, options.identifier ?? '', stop.signal, {
        parentMustExist: options.parentMustExist ?? false, dirLikelyMissing: options.dirLikelyMissing ?? false,
      });
      createUnseen = false;
      if (!contender) return null;
      node = contender.path;
      if (contender.alone) return new HeldLock(client, lockDir, node);
      if (await waitTurn(client, lockDir, node, blocking, stop.signal)) return new HeldLock(client, lockDir, node);
      if (!blocking) return await giveUp();
      // Our contender was deleted under us (the record's tree removed, or a forced unlock); a lost
      // session would have aborted `stop`. Contend again, as kazoo retries; below a record that
      // is gone, createContender gives null.
      stop.signal.throwIfAborted();
      node = null;
    }
  } catch (e) {
    if (e === timedOut) return node || createUnseen ? giveUp() : null;
    if (node) void deleteEventually(client, node);
    else if (createUnseen) void deleteOwnContenders(client, lockDir, uuid);
    throw e;
  } finally {
    clearTimeout(timer);
    client.off('lost', onLost);
    options.signal?.removeEventListener('abort', onCallerAbort);
  }
}

/**
 * Waits until our contender is the lowest (true). false when a non-blocking attempt finds
 * someone ahead, or when our contender is gone.
 */
async function waitTurn(client: ZkClient, lockDir: string, node: string, blocking: boolean, signal: AbortSignal): Promise<boolean> {
  const myName = node.slice(lockDir.length + 1);
  for (;;) {
    let children: string[];
    try {
      ({ children } = await retrying(client, signal, () => client.getChildren(lockDir)));
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
      return false;
    }
    const order = sortContenders(children);
    const index = order.indexOf(myName);
    if (index === 0) return true;
    if (index < 0 || !blocking) return false;
    try {
      await waitForChange(client, `${lockDir}/${order[index - 1]}`, signal);
    } catch (e) {
      if (!(e instanceof ConnectionLossError)) throw e;
      await whenConnected(client, signal);
    }
  }
}

class HeldLock implements LockHandle {
  readonly lockDir: string;
  readonly nodePath: string;
  readonly lostSignal: AbortSignal;
  private readonly client: ZkClient;
  private readonly lost = new AbortController();
  private held = true;
  private releasing: Promise<void> | undefined;
  private readonly onLost = (): void => this.lose(new SessionExpiredError(ErrorCode.SESSION_EXPIRED, 'lock lost: session expired', this.nodePath));

  constructor(client: ZkClient, lockDir: string, nodePath: string) {
    this.client = client;
    this.lockDir = lockDir;
    this.nodePath = nodePath;
    this.lostSignal = this.lost.signal;
    client.on('lost', this.onLost);
    this.watchOwnNode();
  }

  isHeld(): boolean {
    return this.held;
  }

  /** Someone deleting our node (nodepool's forceUnlockNode) also loses the lock. A watch the
   *  server confirmed is re-sent with every reconnect (setWatches2); one whose request died with
   *  the connection is set again once connected, or the deletion would go unnoticed. */
  private watchOwnNode(): void {
    if (!this.held) return;
    this.client.exists(this.nodePath, (ev) => {
      if (ev.type === 'deleted') this.lose(new NoNodeError(ErrorCode.NO_NODE, 'lock lost: contender node deleted', this.nodePath));
      else this.watchOwnNode();
    }).then(
      (stat) => { if (stat === null) this.lose(new NoNodeError(ErrorCode.NO_NODE, 'lock lost: contender node deleted', this.nodePath)); },
      (e: unknown) => {
        // A session loss is covered by the 'lost' event; anything else is connection trouble.
        if (e instanceof SessionExpiredError || this.client.state === 'closed') return;
        this.client.on('connected', this.onReconnected);
        if (this.client.state === 'connected') this.onReconnected();
      },
    );
  }

  private readonly onReconnected = (): void => {
    this.client.off('connected', this.onReconnected);
    this.watchOwnNode();
  };

  private lose(reason: Error): void {
    if (!this.held) return;
    this.held = false;
    this.client.off('lost', this.onLost);
    this.client.off('connected', this.onReconnected);
    this.lost.abort(reason);
  }

  release(): Promise<void> {
    this.releasing ??= this.doRelease();
    return this.releasing;
  }

  private async doRelease(): Promise<void> {
    const wasHeld = this.held;
    this.held = false;
    this.client.off('lost', this.onLost);
    this.client.off('connected', this.onReconnected);
    if (!wasHeld) return;
    const gaveUp = new AbortController();
    const onLost = (): void => gaveUp.abort(expired(this.nodePath));
    this.client.on('lost', onLost);
    try {
      await retrying(this.client, gaveUp.signal, () => this.client.delete(this.nodePath));
    } catch (e) {
      // Gone already, or the session ended (which removed the node for us).
      if (e instanceof NoNodeError || e instanceof SessionExpiredError || this.client.state === 'closed') return;
      throw e;
    } finally {
      this.client.off('lost', onLost);
    }
  }
}
