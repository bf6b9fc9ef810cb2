// The simulator's state: held in memory, written atomically to <stateDir>/state.json after changes.
import { mkdirSync, readFileSync, renameSync, writeFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimStateData, SimulatorConfig, NetworkRecord } from './types.ts';

const STATE_FILE = 'state.json';
// Writes are coalesced: a burst of creates costs one write, not one per request. With a large
// state the delay grows with the time a write takes, so writing never uses more than a third of the time.
const MIN_WRITE_DELAY_MS = 100;
// Below this size the state is written before the response (crash-safe); above, coalesced.
const SYNC_WRITE_LIMIT_BYTES = 256 * 1024;

export class SimStore {
  readonly dir: string;
  readonly imagesDir: string;
  readonly sandboxesDir: string;
  data: SimStateData;
  private readonly ownsDir: boolean;
  private writeTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private lastWriteMs = 0;
  private lastWriteBytes = 0;
  private tickPending = false;

  constructor(stateDir: string | undefined, config: SimulatorConfig) {
    this.ownsDir = !stateDir;
    this.dir = stateDir ?? mkdtempSync(join(tmpdir(), 'nodepool-cloud-sim-'));
    this.imagesDir = join(this.dir, 'images');
    this.sandboxesDir = join(this.dir, 'sandboxes');
    mkdirSync(this.imagesDir, { recursive: true });
    mkdirSync(this.sandboxesDir, { recursive: true });
    const file = join(this.dir, STATE_FILE);
    this.data = existsSync(file) ? readState(file) : freshState(config);
    this.recoverInterruptedUploads();
  }

  /** An upload cannot survive a restart: its image goes back to queued, as after a failed upload. */
  private recoverInterruptedUploads(): void {
    for (const img of Object.values(this.data.images)) {
      if (img.status !== 'saving') continue;
      img.status = 'queued';
      rmSync(join(this.imagesDir, `${img.id}.partial`), { force: true });
    }
  }

  /**
   * Writes the whole state atomically: at once while the state is small (so a kill -9 loses nothing),
   * otherwise coalesced after a delay.
   */
  markDirty(): void {
    if (this.closed || this.writeTimer || this.tickPending) return;
    if (this.lastWriteBytes < SYNC_WRITE_LIMIT_BYTES) {
      // All changes of one request land in one write, done before the event loop takes anything else.
      this.tickPending = true;
      process.nextTick(() => this.flushPending());
      return;
    }
    this.writeTimer = setTimeout(() => {
      this.writeTimer = null;
      this.flush();
    }, Math.max(MIN_WRITE_DELAY_MS, 2 * this.lastWriteMs));
    this.writeTimer.unref();
  }

  /** Writes a write-through change now (before a response goes out); no-op when none is pending. */
  flushPending(): void {
    if (!this.tickPending) return;
    this.tickPending = false;
    if (!this.closed) this.flush();
  }

  flush(): void {
    if (this.writeTimer) {
      clearTimeout(this.writeTimer);
      this.writeTimer = null;
    }
    const started = Date.now();
    const file = join(this.dir, STATE_FILE);
    const tmp = `${file}.${process.pid}.tmp`;
    const text = JSON.stringify(this.data);
    this.lastWriteBytes = text.length;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
    this.lastWriteMs = Date.now() - started;
  }

  imagePath(imageId: string): string {
    return join(this.imagesDir, imageId);
  }

  sandboxPath(serverId: string): string {
    return join(this.sandboxesDir, serverId);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

function readState(file: string): SimStateData {
  let data: SimStateData;
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as SimStateData;
  } catch (err) {
    throw new Error(`simulator state ${file} is unreadable: ${(err as Error).message}`);
  }
  if (data.version !== 1) throw new Error(`simulator state ${file} has unknown version ${String(data.version)}`);
  return data;
}

function freshState(config: SimulatorConfig): SimStateData {
  // A random /16 block per simulator keeps two simulators on one machine from sharing addresses.
  const addressBase = 40 + 3 * Math.floor(Math.random() * 70);
  const networks: Record<string, NetworkRecord> = {};
  const add = (name: string, offset: number, external: boolean, shared: boolean) => {
    const id = randomUUID();
    const prefix = `127.${addressBase + offset}`;
    networks[id] = { id, name, external, shared, subnetId: randomUUID(), cidr: `${prefix}.0.0/16`, prefix, nextHost: 10 };
  };
  add('private', 0, false, true);
  add('lab-loopback', 1, false, true);
  add('public', 2, true, false);
  return {
    version: 1,
    servers: {},
    images: {},
    networks,
    ports: {},
    floatingIps: {},
    keypairs: {},
    tokens: {},
    faults: structuredClone(config.faults),
    quotas: { ...config.quotas },
    addressBase,
    rngState: config.seed,
  };
}

/** Next free address in a network's /16, as 127.a.b.c. */
export function allocateAddress(net: NetworkRecord): string {
  const n = net.nextHost++;
  const third = Math.floor(n / 250);
  const fourth = (n % 250) + 2;
  if (third > 255) throw new Error(`network ${net.name} ran out of addresses`);
  return `${net.prefix}.${third}.${fourth}`;
}

export function randomMac(): string {
  const b = () => Math.floor(Math.random() * 256).toString(16).padStart(2, '0');
  return `fa:16:3e:${b()}:${b()}:${b()}`;
}
