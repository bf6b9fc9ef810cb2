// Which labels can be launched right now: a READY upload of the label's diskimage to this
// provider, or the cloud-image present in the cloud. Refreshed in the background so request
// decisions stay synchronous; launches still read the newest upload fresh.
import type { Store } from '../store/types.ts';
import type { NodepoolConfig, PoolConfig, ProviderConfig } from '../config/model.ts';
import type { NodeDriver } from './driver/driver.ts';
import type { Logger } from '../util/logger.ts';
import type { LabelAvailability } from './decline-reasons.ts';

export class ImageAvailability {
  private diskimageReady = new Map<string, boolean>(); // "<provider>\0<image>"
  private cloudImageFound = new Map<string, boolean>();
  private refreshing: Promise<void> | null = null;

  private readonly store: Store;
  private readonly drivers: ReadonlyMap<string, NodeDriver>;
  private readonly logger: Logger;

  constructor(store: Store, drivers: ReadonlyMap<string, NodeDriver>, logger: Logger) {
    this.store = store;
    this.drivers = drivers;
    this.logger = logger;
  }

  refresh(config: NodepoolConfig): Promise<void> {
    this.refreshing ??= this.doRefresh(config).finally(() => { this.refreshing = null; });
    return this.refreshing;
  }

  private async doRefresh(config: NodepoolConfig): Promise<void> {
    const jobs: Promise<void>[] = [];
    for (const provider of config.providers) {
      const wanted = new Set<string>();
      const wantedCloud = new Set<string>();
      for (const pool of provider.pools) {
        for (const label of pool.labels) {
          if (label.diskimage) wanted.add(label.diskimage);
          if (label.cloudImage) wantedCloud.add(label.cloudImage);
        }
      }
      for (const image of wanted) {
        jobs.push(this.store.latestReadyUpload(image, provider.name).then(
          (upload) => { this.diskimageReady.set(`${provider.name}\0${image}`, upload !== null); },
          (err) => this.logger.warn({ provider: provider.name, image, err: String(err) }, 'cannot read uploads'),
        ));
      }
      const cloud = this.drivers.get(provider.name);
      for (const name of wantedCloud) {
        const ci = provider.cloudImages.find((c) => c.name === name);
        if (!ci || !cloud) { this.cloudImageFound.set(`${provider.name}\0${name}`, false); continue; }
        jobs.push(cloud.cloudImageExists(ci.imageId ?? ci.imageName ?? ci.name).then(
          (found) => { this.cloudImageFound.set(`${provider.name}\0${name}`, found); },
          (err) => this.logger.warn({ provider: provider.name, image: name, err: String(err) }, 'cannot look up cloud image'),
        ));
      }
    }
    await Promise.all(jobs);
  }

  /** For each label of the pool; unknown (not yet looked up) counts as available. */
  forPool(provider: ProviderConfig, pool: PoolConfig, unusable: ReadonlySet<string> = new Set()): Map<string, LabelAvailability> {
    const out = new Map<string, LabelAvailability>();
    for (const label of pool.labels) {
      if (unusable.has(label.name)) { out.set(label.name, 'unusable'); continue; }
      let ok = true;
      if (label.diskimage) {
        const pdi = provider.diskimages.find((d) => d.name === label.diskimage);
        ok = pdi !== undefined && this.diskimageReady.get(`${provider.name}\0${label.diskimage}`) !== false;
      } else if (label.cloudImage) {
        ok = this.cloudImageFound.get(`${provider.name}\0${label.cloudImage}`) !== false;
      }
      out.set(label.name, ok ? 'ok' : 'no-image');
    }
    return out;
  }

  /** min-ready: is the label launchable in at least one provider? */
  labelIsAvailable(config: NodepoolConfig, labelName: string): boolean {
    for (const provider of config.providers) {
      for (const pool of provider.pools) {
        if (pool.maxServers <= 0) continue;
        if (this.forPool(provider, pool).get(labelName) === 'ok') return true;
      }
    }
    return false;
  }
}
