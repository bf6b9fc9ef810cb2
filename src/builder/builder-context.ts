// What every builder worker shares: the store, time, identity and the current configuration.
import type { NodepoolConfig } from '../config/model.ts';
import type { CloudProvider } from '../cloud/provider.ts';
import type { Store } from '../store/types.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import type { ProviderFormats } from './image-types.ts';

/** The configuration as the workers see it; replaced as a whole on reload. */
export interface BuilderView {
  config: NodepoolConfig;
  imagesDir: string;
  /** provider name -> the format it uploads. */
  formats: ProviderFormats;
  /** Started providers by name (empty in --build-only mode). */
  providers: ReadonlyMap<string, CloudProvider>;
}

export interface BuilderContext {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** The machine's name (ImageBuild.builder). */
  hostname: string;
  /** Contents of builder_id.txt. */
  builderId: string;
  view(): BuilderView;
}
