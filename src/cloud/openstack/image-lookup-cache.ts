// Image name/id → image, looked up once and shared: a launch and the launcher's image-availability
// pass ask for the same few cloud images over and over, and Glance should see a lookup only when
// the answer may have changed. A found image is kept for `foundTtlMs` (an image replaced under
// the same name is seen then, or at once after Nova refused the old id and the caches were
// invalidated); a missing one is asked again after `missingTtlMs`, so a new upload shows soon.
import type { Clock } from '../../util/clock.ts';

interface Entry<T> { value: T | null; at: number }

export class ImageLookupCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly pending = new Map<string, Promise<T | null>>();
  private readonly clock: Clock;
  private readonly lookup: (idOrName: string) => Promise<T | null>;
  private readonly foundTtlMs: number;
  private readonly missingTtlMs: number;

  constructor(clock: Clock, lookup: (idOrName: string) => Promise<T | null>, ttl: { foundMs: number; missingMs: number }) {
    this.clock = clock;
    this.lookup = lookup;
    this.foundTtlMs = ttl.foundMs;
    this.missingTtlMs = ttl.missingMs;
  }

  async get(idOrName: string): Promise<T | null> {
    const e = this.entries.get(idOrName);
    if (e && this.clock.now() - e.at < (e.value === null ? this.missingTtlMs : this.foundTtlMs)) return e.value;
    let p = this.pending.get(idOrName);
    if (!p) {
      const startedAt = this.clock.now();
      p = this.lookup(idOrName)
        .then((value) => { this.entries.set(idOrName, { value, at: startedAt }); return value; })
        .finally(() => this.pending.delete(idOrName));
      this.pending.set(idOrName, p);
    }
    return p;
  }

  invalidate(): void {
    this.entries.clear();
  }
}
