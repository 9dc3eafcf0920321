/**
 * The object-store port (docs/architecture.md, "Ports": `gs://BUCKET/PREFIX` | `file://DIR`). Paths are relative to the
 * store root, '/'-separated, never starting with '/'. Generations are opaque strings; a store that
 * has no native generations (local directory) derives them from content so compare-and-swap works.
 */
export interface ObjectInfo {
  path: string;
  size: number;
  generation: string;
  /** when the object was written, ISO-8601; used by gc to spare objects of runs still writing */
  updated: string;
}

export interface ReadResult {
  data: Uint8Array;
  generation: string;
}

export interface ObjectStore {
  /** the URI this store was opened from, e.g. file:///abs/dir or gs://bucket/prefix */
  readonly uri: string;
  /** Create-only write: the object must not exist (GCS ifGenerationMatch: 0). Throws PreconditionFailedError. */
  create(path: string, data: Uint8Array, opts?: { contentType?: string }): Promise<ObjectInfo>;
  /** Compare-and-swap: replace iff the current generation is `expected` (null: must not exist). Throws PreconditionFailedError. */
  swap(path: string, data: Uint8Array, expected: string | null, opts?: { contentType?: string }): Promise<ObjectInfo>;
  /** The object's bytes and generation, or null when absent. */
  read(path: string): Promise<ReadResult | null>;
  /** Metadata only, or null when absent. */
  stat(path: string): Promise<ObjectInfo | null>;
  /** Every object whose path starts with `prefix`, sorted by path. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Delete if present (no error when absent). */
  delete(path: string): Promise<void>;
  /** A URI for a path inside the store (for manifests and notifications). */
  uriOf(path: string): string;
  /**
   * Removes what writers that crashed left behind (temp files older than `olderThanMs`) and says how
   * many; gc calls it. Stores whose unfinished writes are never visible (Cloud Storage) have none.
   */
  sweepTemp?(olderThanMs: number): Promise<number>;
  close?(): Promise<void>;
}
