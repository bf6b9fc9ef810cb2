// The read side of the store's record caches that launcher code needs (easy to satisfy in tests).
import type { Node } from '../model/types.ts';
export type { Node };

export interface RecordCacheLike<T> {
  get(id: string): T | undefined;
  values(): T[];
}
