// `nodepool image-upload PROVIDER IMAGE`: forced upload requests, kept by the store
// (/nodepool/images/<image>/request-upload/<provider>; optional Store members).
import type { Store } from '../store/types.ts';

export function uploadRequests(store: Store) {
  return {
    has: async (image: string, provider: string): Promise<boolean> =>
      store.listUploadRequests ? (await store.listUploadRequests(image)).includes(provider) : false,
    clear: async (image: string, provider: string): Promise<void> => {
      await store.clearUploadRequest?.(image, provider);
    },
  };
}
