/**
 * The notifier port (docs/architecture.md, "Ports": `pubsub://projects/P/topics/T` | `file://PATH.ndjson`).
 * Attributes are the contract serving layers dedupe on; all values are strings (Pub/Sub attributes).
 */
export type NotificationEvent = 'published' | 'rolled_back';

export interface NotificationAttributes {
  dataset: string;
  version: string;
  manifest_uri: string;
  as_of: string;
  rows: string;
  event: NotificationEvent;
}

export interface Notifier {
  readonly uri: string;
  /** Resolves with a message id once the message is durably accepted; ordering key = dataset. */
  publish(attributes: NotificationAttributes): Promise<string>;
  close(): Promise<void>;
}

/** A message as a subscription delivers it. */
export interface NotificationMessage {
  attributes: Partial<Record<keyof NotificationAttributes, string>>;
  ack(): void;
  nack(): void;
}

export interface NotificationSource {
  /** start delivering messages to `handler` */
  start(handler: (message: NotificationMessage) => Promise<void>): void | Promise<void>;
  close(): Promise<void>;
}
