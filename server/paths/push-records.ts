import type { StartupOptions } from '../push/types';

/** A push as kept across restarts: what it takes to start it again. */
export interface PushRecord {
  /** WCS's mediaSessionId, kept, so API clients find their push again. */
  readonly id: string;
  readonly sourceName: string;
  readonly url: string;
  readonly fullUrl: boolean | undefined;
  readonly flashVersion: string | undefined;
  readonly options: StartupOptions;
  /** Unix ms. */
  readonly createdTime: number;
}

/** Where pushes are kept; every write is durable when it returns. */
export interface PushRecords {
  /** Every kept push, oldest first. */
  all(): PushRecord[];
  save(record: PushRecord): void;
  delete(id: string): void;
}
