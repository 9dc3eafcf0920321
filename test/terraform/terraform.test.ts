import { beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ENV_OVERRIDES, JOB_DEFAULTS, loadJob, parseJob } from '../../src/config/job.ts';
import { parseStoreUri, parseNotifyUri, parseWarehouseUri } from '../../src/config/uri.ts';
import { block, loadTerraform, resourcesOf, strings, TF_DIR, unwrap, type Block, type Terraform } from './hcl.ts';
import { evaluate, forObjectAttributes } from './evaluate.ts';

const JOBS_DIR = join(TF_DIR, '../jobs');
const jobFiles = readdirSync(JOBS_DIR).filter((f) => f.endsWith('.yaml')).sort();

let tf: Terraform;
beforeAll(async () => {
  tf = await loadTerraform();
});

const IAM_TYPES = [
  'google_project_iam_member',
  'google_project_iam_binding',
  'google_project_iam_policy',
  'google_bigquery_dataset_iam_member',
  'google_bigquery_dataset_iam_binding',
  'google_bigquery_dataset_iam_policy',
  'google_storage_bucket_iam_member',
  'google_storage_bucket_iam_binding',
  'google_storage_bucket_iam_policy',
  'google_pubsub_topic_iam_member',
  'google_pubsub_topic_iam_binding',
  'google_pubsub_subscription_iam_member',
  'google_pubsub_subscription_iam_binding',
  'google_cloud_run_v2_job_iam_member',
  'google_cloud_run_v2_job_iam_binding',
  'google_service_account_iam_member',
  'google_service_account_iam_binding',
];

/** What one IAM grant says: resource type, role, who (a reference) and on what (a reference). */
function grants(tf: Terraform): string[] {
  const targetKey: Record<string, string> = {
    google_project_iam_member: 'project',
    google_bigquery_dataset_iam_member: 'dataset_id',
    google_storage_bucket_iam_member: 'bucket',
    google_pubsub_topic_iam_member: 'topic',
    google_pubsub_subscription_iam_member: 'subscription',
    google_cloud_run_v2_job_iam_member: 'name',
  };
  return resourcesOf(tf, ...IAM_TYPES)
    .map(([addr, b]) => {
      const type = addr.split('.')[0];
      return `${type} ${b.role} ${b.member} ON ${b[targetKey[type]]}`;
    })
    .sort();
}

describe('terraform parses and is self-consistent', () => {
  it('parses every .tf file and declares the expected resources', () => {
    expect(Object.keys(tf.files).length).toBeGreaterThanOrEqual(8);
    for (const type of [
      'google_service_account',
      'google_storage_bucket',
      'google_bigquery_dataset',
      'google_pubsub_topic',
      'google_project_iam_custom_role',
      'google_cloud_run_v2_job',
      'google_cloud_scheduler_job',
      'google_monitoring_alert_policy',
      'google_logging_metric',
    ]) {
      expect(Object.keys(tf.resources[type] ?? {}), type).not.toHaveLength(0);
    }
  });

  it('documents every variable and uses every variable', () => {
    const all = Object.entries(tf.files);
    for (const [name, v] of Object.entries(tf.variables)) {
      expect(typeof v.description === 'string' && v.description.length > 20, `variable ${name} needs a description`).toBe(true);
      expect(v.type, `variable ${name} needs a type`).toBeDefined();
      const uses = all.filter(([f, text]) => f !== 'variables.tf' && new RegExp(`\\bvar\\.${name}\\b`).test(text));
      expect(uses.length, `variable ${name} is never used`).toBeGreaterThan(0);
    }
    for (const need of ['project', 'region', 'bucket', 'source_dataset', 'scratch_dataset', 'image', 'job_overrides']) {
      expect(tf.variables, need).toHaveProperty(need);
    }
  });

  it('references only declared variables and locals, and uses every local', () => {
    const text = Object.values(tf.files).join('\n');
    for (const m of text.matchAll(/\bvar\.(\w+)/g)) expect(tf.variables, `var.${m[1]}`).toHaveProperty(m[1]);
    for (const m of text.matchAll(/\blocal\.(\w+)/g)) expect(tf.locals, `local.${m[1]}`).toHaveProperty(m[1]);
    for (const name of Object.keys(tf.locals)) {
      expect(new RegExp(`\\blocal\\.${name}\\b`).test(text), `local ${name} is never used`).toBe(true);
    }
  });

  it('terraform.tfvars.example sets only declared variables and every required one', () => {
    const example = readFileSync(join(TF_DIR, 'terraform.tfvars.example'), 'utf8');
    const keys = [...example.matchAll(/^(\w+)\s*=/gm)].map((m) => m[1]);
    for (const k of keys) expect(tf.variables, k).toHaveProperty(k);
    for (const [name, v] of Object.entries(tf.variables)) {
      if (!('default' in v)) expect(keys, `required variable ${name} missing from the example`).toContain(name);
    }
  });

  it('hard-codes no project, and no credentials', () => {
    expect(Object.keys(tf.resources)).not.toContain('google_service_account_key');
    const all = strings(tf.resources);
    expect(all.filter((s) => /private_key|credentials/.test(s))).toEqual([]);
    for (const [addr, b] of Object.entries(tf.resources).flatMap(([t, byName]) => Object.entries(byName).map(([n, b]) => [`${t}.${n}`, b] as const))) {
      if ('project' in b) expect(b.project, `${addr}.project`).toBe('${var.project}');
    }
  });
});

describe('IAM: least privilege', () => {
  it('grants no primitive role and nothing public', () => {
    const all = strings([tf.resources, tf.locals]);
    expect(all.filter((s) => /roles\/(owner|editor|viewer)\b/.test(s))).toEqual([]);
    expect(all.filter((s) => /allUsers|allAuthenticatedUsers/.test(s))).toEqual([]);
  });

  it('uses additive members only (no authoritative bindings or policies)', () => {
    const authoritative = Object.keys(tf.resources).filter((t) => /_iam_(binding|policy)$/.test(t));
    expect(authoritative).toEqual([]);
  });

  it('grants exactly the listed roles, each on its one resource', () => {
    const job = '${google_service_account.job.member}';
    const scheduler = '${google_service_account.scheduler.member}';
    const serving = '${google_service_account.serving.member}';
    expect(grants(tf)).toEqual(
      [
        `google_project_iam_member roles/bigquery.jobUser ${job} ON \${var.project}`,
        `google_project_iam_member roles/bigquery.readSessionUser ${job} ON \${var.project}`,
        `google_bigquery_dataset_iam_member roles/bigquery.dataViewer ${job} ON \${var.source_dataset}`,
        `google_bigquery_dataset_iam_member roles/bigquery.dataEditor ${job} ON \${google_bigquery_dataset.scratch.dataset_id}`,
        `google_storage_bucket_iam_member roles/storage.objectUser ${job} ON \${google_storage_bucket.snapshots.name}`,
        `google_storage_bucket_iam_member roles/storage.objectViewer ${serving} ON \${google_storage_bucket.snapshots.name}`,
        `google_pubsub_topic_iam_member roles/pubsub.publisher ${job} ON \${google_pubsub_topic.snapshots.name}`,
        `google_project_iam_member \${google_project_iam_custom_role.serving_replica.name} ${serving} ON \${var.project}`,
        `google_pubsub_topic_iam_member roles/pubsub.subscriber ${serving} ON \${google_pubsub_topic.snapshots.name}`,
        `google_cloud_run_v2_job_iam_member roles/run.invoker ${scheduler} ON \${google_cloud_run_v2_job.job[each.key].name}`,
      ].sort(),
    );
  });

  it('scopes object rights to the store prefix with an IAM condition (objects and listing)', () => {
    const cond = String(tf.locals.prefix_condition);
    expect(cond).toContain('resource.name.startsWith');
    expect(cond).toContain('storage.googleapis.com/objectListPrefix');
    expect(String(tf.locals.object_ref)).toBe('projects/_/buckets/${var.bucket}/objects/${var.store_prefix}/');
    for (const [addr, b] of resourcesOf(tf, 'google_storage_bucket_iam_member')) {
      expect(block(b, 'condition').expression, addr).toBe('${local.prefix_condition}');
    }
  });

  it('lets the scheduler invoke only scheduled jobs, as defined (run.invoker, not overrides)', () => {
    const inv = tf.resources.google_cloud_run_v2_job_iam_member.scheduler_invoker;
    expect(inv.for_each).toBe('${local.scheduled_jobs}');
    expect(strings(tf.resources).filter((s) => /run\.(developer|admin|jobsExecutorWithOverrides)/.test(s))).toEqual([]);
  });

  it("lets serving replicas manage subscriptions with exactly the four permissions they use, and attach only to the snapshots topic", () => {
    const role = tf.resources.google_project_iam_custom_role.serving_replica;
    expect(role.project).toBe('${var.project}');
    expect([...(role.permissions as string[])].sort()).toEqual([
      'pubsub.subscriptions.consume',
      'pubsub.subscriptions.create',
      'pubsub.subscriptions.delete',
      'pubsub.subscriptions.get',
    ]);
    // roles granted on the topic give topic permissions only: attachSubscription, nothing on other topics
    expect(tf.resources.google_pubsub_topic_iam_member.serving_attach.topic).toBe('${google_pubsub_topic.snapshots.name}');
  });

  it('creates the three service accounts', () => {
    const ids = Object.values(tf.resources.google_service_account).map((b) => b.account_id).sort();
    expect(ids).toEqual(['promoscore-job', 'promoscore-scheduler', 'promoscore-serving']);
  });
});

describe('storage, BigQuery and Pub/Sub', () => {
  it('bucket: uniform access, public access prevention, versioning, soft delete, lifecycle for orphaned versions', () => {
    const b = tf.resources.google_storage_bucket.snapshots;
    expect(b.uniform_bucket_level_access).toBe(true);
    expect(b.public_access_prevention).toBe('enforced');
    expect(block(b, 'versioning').enabled).toBe(true);
    expect(block(b, 'soft_delete_policy').retention_duration_seconds).toBe('${var.soft_delete_days * 86400}');
    const rules = b.lifecycle_rule as Block[];
    const noncurrent = rules.find((r) => block(r, 'condition').days_since_noncurrent_time !== undefined);
    expect(noncurrent && block(noncurrent, 'action').type).toBe('Delete');
    expect(noncurrent && block(noncurrent, 'condition').days_since_noncurrent_time).toBe('${var.noncurrent_version_days}');
    expect(rules.some((r) => block(r, 'action').type === 'AbortIncompleteMultipartUpload')).toBe(true);
    // no lifecycle rule may age out live objects: gc alone decides which snapshot versions go
    for (const r of rules.filter((r) => block(r, 'action').type === 'Delete')) {
      expect(block(r, 'condition').with_state).toBe('ARCHIVED');
    }
  });

  it('scratch dataset: default table expiration, in the job location', () => {
    const d = tf.resources.google_bigquery_dataset.scratch;
    expect(d.dataset_id).toBe('${var.scratch_dataset}');
    expect(d.default_table_expiration_ms).toBe('${var.scratch_table_expiration_hours * 3600 * 1000}');
    expect(d.location).toBe('${var.bigquery_location}');
    expect(tf.variables.scratch_dataset.default).toBe(JOB_DEFAULTS.scratch_dataset);
    // terraform needs a location to create datasets; the job itself has none unless one is set
    expect('location' in JOB_DEFAULTS).toBe(false);
  });

  it('no shared serving subscription: each replica creates its own (one shared would give each message to one replica)', () => {
    expect(Object.keys(tf.resources.google_pubsub_subscription ?? {})).toEqual([]);
    expect(String(tf.outputs?.serving_topic_uri?.value ?? '')).toBe('pubsub://${google_pubsub_topic.snapshots.id}');
  });
});

describe('Cloud Run Jobs and Cloud Scheduler come from jobs/*.yaml', () => {
  it('reads the job files with fileset + yamldecode', () => {
    expect(String(tf.locals.jobs_dir)).toBe('${path.module}/../jobs');
    const files = unwrap(String(tf.locals.job_files));
    expect(files).toMatch(/fileset\(local\.jobs_dir, "\*\.yaml"\)/);
    expect(files).toMatch(/trimsuffix\(f, "\.yaml"\) => yamldecode\(file\("\$\{local\.jobs_dir\}\/\$\{f\}"\)\)/);
    expect(unwrap(String(tf.locals.scheduled_jobs))).toBe('{ for name, j in local.jobs : name => j if j.schedule != null }');
  });

  /** terraform's view of one job file, computed from locals.tf's own expressions. */
  function terraformJob(doc: unknown, name: string, overrides: Record<string, Record<string, unknown>> = {}) {
    const { iter, attrs } = forObjectAttributes(unwrap(String(tf.locals.jobs)));
    expect(iter).toBe('local.job_files');
    return Object.fromEntries(Object.entries(attrs).map(([k, e]) => [k, evaluate(e, { j: doc, name, overrides })]));
  }

  function schemaView(name: string, doc: unknown) {
    const job = parseJob(doc, name);
    return {
      name: job.name,
      dataset: job.dataset,
      cadence: job.cadence,
      schedule: job.schedule ?? null,
      time_zone: job.time_zone,
      args: job.args,
      tasks: job.tasks,
      parallelism: job.resources.parallelism,
      cpu: job.resources.cpu,
      memory: job.resources.memory,
      timeout: job.resources.timeout,
      retries: job.resources.retries,
    };
  }

  it.each(jobFiles)('%s: terraform sees what the CLI schema sees', (f) => {
    const doc = parseYaml(readFileSync(join(JOBS_DIR, f), 'utf8'));
    const name = f.replace(/\.yaml$/, '');
    expect(terraformJob(doc, name)).toEqual(schemaView(name, doc));
  });

  it('terraform defaults equal the schema defaults (a minimal file)', () => {
    for (const doc of [
      { name: 'tiny', cadence: 'daily' },
      { name: 'tiny', cadence: 'hourly', schedule: '7 * * * *', resources: { cpu: 1 } },
    ]) {
      expect(terraformJob(doc, 'tiny')).toEqual(schemaView('tiny', doc));
    }
  });

  it('job_overrides change sizes per environment and nothing else', () => {
    const doc = parseYaml(readFileSync(join(JOBS_DIR, 'nightly.yaml'), 'utf8'));
    const base = terraformJob(doc, 'nightly');
    const over = terraformJob(doc, 'nightly', { nightly: { tasks: 1, memory: '8Gi', cpu: null, parallelism: null, timeout: null } });
    expect(over).toEqual({ ...base, tasks: 1, memory: '8Gi' });
    expect(terraformJob(doc, 'nightly', { hourly: { tasks: 9 } })).toEqual(base);
  });

  it('the scheduler entries are exactly the job files with a schedule', () => {
    const scheduled = jobFiles
      .map((f) => loadJob(join(JOBS_DIR, f)))
      .filter((j) => j.schedule !== undefined)
      .map((j) => ({ name: j.name, schedule: j.schedule, time_zone: j.time_zone, args: j.args }));
    expect(scheduled.map((s) => s.name).sort()).toEqual(['hourly', 'nightly']);
    const fromTf = jobFiles
      .map((f) => terraformJob(parseYaml(readFileSync(join(JOBS_DIR, f), 'utf8')), f.replace(/\.yaml$/, '')))
      .filter((j) => j.schedule !== null) // the `if j.schedule != null` of local.scheduled_jobs
      .map((j) => ({ name: j.name, schedule: j.schedule, time_zone: j.time_zone, args: j.args }));
    expect(fromTf).toEqual(scheduled);

    const trig = tf.resources.google_cloud_scheduler_job.trigger;
    expect(trig.for_each).toBe('${local.scheduled_jobs}');
    expect(trig.schedule).toBe('${each.value.schedule}');
    expect(trig.time_zone).toBe('${each.value.time_zone}');
    const http = block(trig, 'http_target');
    expect(http.http_method).toBe('POST');
    expect(http.uri).toBe('https://run.googleapis.com/v2/${google_cloud_run_v2_job.job[each.key].id}:run');
    expect(http.body).toBeUndefined(); // no overrides: the job's own args (from the file) run
    expect(block(http, 'oauth_token').service_account_email).toBe('${google_service_account.scheduler.email}');
  });

  it('the Cloud Run Job carries tasks, parallelism, timeout, retries, resources, args and env', () => {
    const job = tf.resources.google_cloud_run_v2_job.job;
    expect(job.for_each).toBe('${local.jobs}');
    const exec = block(job, 'template');
    expect(exec.task_count).toBe('${each.value.tasks}');
    expect(exec.parallelism).toBe('${min(each.value.parallelism, each.value.tasks)}');
    const task = block(exec, 'template');
    expect(task.timeout).toBe('${each.value.timeout}');
    expect(task.max_retries).toBe('${each.value.retries}');
    expect(task.service_account).toBe('${google_service_account.job.email}');
    const c = block(task, 'containers');
    expect(c.image).toBe('${var.image}');
    expect(c.args).toBe('${concat(["run", "--job", "jobs/${each.key}.yaml"], each.value.args)}');
    expect(block(c, 'resources').limits).toEqual({ cpu: '${each.value.cpu}', memory: '${each.value.memory}' });
    expect(c.dynamic.env[0].for_each).toBe('${local.job_env}');
  });

  it('the job environment uses exactly the variables the CLI reads, with URIs the CLI accepts', () => {
    const env = tf.locals.job_env as Record<string, string>;
    for (const k of Object.keys(ENV_OVERRIDES)) expect(env, k).toHaveProperty(k);
    for (const k of Object.keys(env)) expect([...Object.keys(ENV_OVERRIDES), 'PROMOSCORE_LOG_FORMAT']).toContain(k);
    // substitute plausible values for the references and check the URIs parse
    const sub = (s: string) =>
      s
        .replace('${var.project}', 'my-project')
        .replace('${var.source_dataset}', 'promo_features')
        .replace('${local.store_uri}', String(tf.locals.store_uri))
        .replace('${var.bucket}', 'my-bucket')
        .replace('${var.store_prefix}', String(tf.variables.store_prefix.default))
        .replace('${google_pubsub_topic.snapshots.id}', 'projects/my-project/topics/promoscore-snapshots');
    expect(parseWarehouseUri(sub(env.PROMOSCORE_WAREHOUSE)).kind).toBe('bigquery');
    expect(parseStoreUri(sub(sub(env.PROMOSCORE_STORE)))).toMatchObject({ kind: 'gcs', bucket: 'my-bucket', prefix: 'snapshots' });
    expect(parseNotifyUri(sub(env.PROMOSCORE_NOTIFY)).kind).toBe('pubsub-topic');
    expect(env.PROMOSCORE_LOG_FORMAT).toBe('json');
  });
});

describe('alerting', () => {
  it('alerts on failed executions of the promoscore jobs', () => {
    const p = tf.resources.google_monitoring_alert_policy.failed_execution;
    const c = block(block(p, 'conditions'), 'condition_threshold');
    expect(c.filter).toContain('metric.type = "run.googleapis.com/job/completed_execution_count"');
    expect(c.filter).toContain('metric.labels.result = "failed"');
    expect(c.filter).toContain('resource.labels.job_name = starts_with("promoscore-")');
    expect(p.notification_channels).toBe('${local.notification_channels}');
  });

  it('alerts on a stale LATEST per scheduled dataset, from a log-based metric of the run', () => {
    const metric = tf.resources.google_logging_metric.published;
    expect(metric.filter).toContain('jsonPayload.message="run finished"');
    expect(metric.filter).toContain('jsonPayload.status="published"');
    expect(metric.filter).toContain('jsonPayload.status="already-published"');
    expect(metric.label_extractors).toEqual({ dataset: 'EXTRACT(labels.dataset)' });
    const p = tf.resources.google_monitoring_alert_policy.stale_latest;
    expect(p.for_each).toBe('${local.scheduled_jobs}');
    const q = block(block(p, 'conditions'), 'condition_prometheus_query_language').query as string;
    expect(q).toMatch(/^absent_over_time\(logging_googleapis_com:user_\$\{google_logging_metric\.published\.name\}\{/);
    expect(q).toContain('dataset="${each.value.dataset}"');
    expect(q).toContain('[${var.stale_after_hours[each.value.cadence]}h]');
    // one window per cadence the schema allows
    expect(Object.keys(tf.variables.stale_after_hours.default).sort()).toEqual(['daily', 'hourly']);
  });

  it('the run still logs the line the metric counts', () => {
    // The log-based metric depends on the run's final log line; if it is renamed the alert goes blind.
    const srcDir = join(TF_DIR, '../src');
    const files = readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const hits = files.filter((f) => /notice\(\s*'run finished'/.test(readFileSync(join(srcDir, f), 'utf8')));
    expect(hits.length).toBeGreaterThan(0);
    const runSrc = hits.map((f) => readFileSync(join(srcDir, f), 'utf8')).join('\n');
    expect(runSrc).toContain("'already-published'");
    // the line is logged through the run's logger, whose labels the plan stage sets (dataset among them)
    const runDir = files.filter((f) => f.startsWith('run/')).map((f) => readFileSync(join(srcDir, f), 'utf8')).join('\n');
    expect(runDir).toMatch(/log = journal\.log\.child\(\{[^}]*\bdataset\b/);
    expect(runSrc).toMatch(/\bplan\.log\.notice\('run finished'|\blog\.notice\('run finished'/);
  });
});
