import { UsageError } from '../../core/errors.ts';

// Project ids (optionally domain-scoped, "example.com:proj") and Pub/Sub resource ids.
const PROJECT_RE = /^(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const RESOURCE_RE = /^[A-Za-z][\w\-.~+%]{2,254}$/;

export interface PubSubResource {
  project: string;
  id: string;
  /** full resource name, e.g. projects/P/topics/T */
  name: string;
}

function parse(uri: string, kind: 'topics' | 'subscriptions', flag: string): PubSubResource {
  const m = new RegExp(`^pubsub://projects/([^/]+)/${kind}/([^/]+)$`).exec(uri);
  const shape = `pubsub://projects/PROJECT/${kind}/${kind === 'topics' ? 'TOPIC' : 'SUBSCRIPTION'}`;
  if (!m) throw new UsageError(`${flag} ${JSON.stringify(uri)} is not ${shape}`);
  const [, project, id] = m;
  if (!PROJECT_RE.test(project)) throw new UsageError(`${flag} ${uri}: ${JSON.stringify(project)} is not a valid project id`);
  if (!RESOURCE_RE.test(id) || id.toLowerCase().startsWith('goog')) {
    throw new UsageError(`${flag} ${uri}: ${JSON.stringify(id)} is not a valid Pub/Sub ${kind === 'topics' ? 'topic' : 'subscription'} id`);
  }
  return { project, id, name: `projects/${project}/${kind}/${id}` };
}

export const parseTopicUri = (uri: string, flag = '--notify') => parse(uri, 'topics', flag);
export const parseSubscriptionUri = (uri: string, flag = 'subscription') => parse(uri, 'subscriptions', flag);
