// Manual build and upload requests (CLI `image-build`, `image-upload`, `image-status`).
// request-build is upstream's; request-upload/<provider> is ours (classic `image-upload`).
import type { ZkClient } from '../zk/types.ts';
import * as P from './paths.ts';
import { childrenOrEmpty, createIfMissing, deleteIfExists } from './zk-helpers.ts';

const requestUploadPath = (image: string) => `${P.imagePath(image)}/request-upload`;

export class ImageRequestStore {
  private readonly client: ZkClient;
  constructor(client: ZkClient) {
    this.client = client;
  }

  /** `building` once a builder holds the image's builds lock, else `pending`; time in epoch seconds. */
  async getBuildRequest(image: string): Promise<{ state: 'pending' | 'building'; time: number } | null> {
    const request = await this.client.exists(P.imageBuildRequestPath(image));
    if (!request) return null;
    const lock = await this.client.exists(P.buildsLockPath(image));
    const state = lock !== null && lock.numChildren > 0 ? 'building' : 'pending';
    return { state, time: request.ctime / 1000 };
  }

  async requestImageUpload(image: string, provider: string): Promise<void> {
    await createIfMissing(this.client, `${requestUploadPath(image)}/${P.segment('provider', provider)}`);
  }

  async listUploadRequests(image: string): Promise<string[]> {
    return (await childrenOrEmpty(this.client, requestUploadPath(image))).sort();
  }

  async clearUploadRequest(image: string, provider: string): Promise<void> {
    await deleteIfExists(this.client, `${requestUploadPath(image)}/${P.segment('provider', provider)}`);
  }
}
