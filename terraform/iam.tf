# Least privilege, resource by resource. No primitive roles, no public members, no keys.

# --- the job: BigQuery
resource "google_project_iam_member" "job_bigquery_job_user" {
  project = var.project
  role    = "roles/bigquery.jobUser"
  member  = google_service_account.job.member
}

resource "google_project_iam_member" "job_bigquery_read_session_user" {
  project = var.project
  role    = "roles/bigquery.readSessionUser"
  member  = google_service_account.job.member
}

resource "google_bigquery_dataset_iam_member" "job_source_viewer" {
  project    = var.project
  dataset_id = var.source_dataset
  role       = "roles/bigquery.dataViewer"
  member     = google_service_account.job.member
}

resource "google_bigquery_dataset_iam_member" "job_scratch_editor" {
  project    = var.project
  dataset_id = google_bigquery_dataset.scratch.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.job.member
}

# --- the job: snapshot objects under the store prefix only (create, read, overwrite LATEST, gc)
resource "google_storage_bucket_iam_member" "job_objects" {
  bucket = google_storage_bucket.snapshots.name
  role   = "roles/storage.objectUser"
  member = google_service_account.job.member

  condition {
    title       = "promoscore-store-prefix"
    description = "Only objects under gs://${var.bucket}/${var.store_prefix}/"
    expression  = local.prefix_condition
  }
}

# --- the job: announce versions on the one topic
resource "google_pubsub_topic_iam_member" "job_publisher" {
  project = var.project
  topic   = google_pubsub_topic.snapshots.name
  role    = "roles/pubsub.publisher"
  member  = google_service_account.job.member
}

# --- the scheduler: start the scheduled jobs, as defined (no overrides)
resource "google_cloud_run_v2_job_iam_member" "scheduler_invoker" {
  for_each = local.scheduled_jobs

  project  = var.project
  location = var.region
  name     = google_cloud_run_v2_job.job[each.key].name
  role     = "roles/run.invoker"
  member   = google_service_account.scheduler.member
}

# --- serving readers: read snapshots, receive notifications
resource "google_storage_bucket_iam_member" "serving_objects" {
  bucket = google_storage_bucket.snapshots.name
  role   = "roles/storage.objectViewer"
  member = google_service_account.serving.member

  condition {
    title       = "promoscore-store-prefix-read"
    description = "Only objects under gs://${var.bucket}/${var.store_prefix}/"
    expression  = local.prefix_condition
  }
}

# Each replica creates, follows and deletes a subscription of its own on the snapshots topic.
# Pub/Sub IAM cannot narrow this to "its own subscriptions": subscriptions are project resources,
# and IAM Conditions do not evaluate Pub/Sub resource names. So: a custom role with exactly the four
# subscription permissions replicas use, on the project, and the right to attach subscriptions on
# the snapshots topic only (no other topic can be subscribed to). docs/deploy.md, "Permissions".
resource "google_project_iam_custom_role" "serving_replica" {
  project     = var.project
  role_id     = "promoscoreServingReplica"
  title       = "promoscore serving replica"
  description = "Create, follow and delete a serving replica's own subscription to the snapshots topic."
  permissions = [
    "pubsub.subscriptions.consume",
    "pubsub.subscriptions.create",
    "pubsub.subscriptions.delete",
    "pubsub.subscriptions.get",
  ]
}

resource "google_project_iam_member" "serving_replica_subscriptions" {
  project = var.project
  role    = google_project_iam_custom_role.serving_replica.name
  member  = google_service_account.serving.member
}

resource "google_pubsub_topic_iam_member" "serving_attach" {
  project = var.project
  topic   = google_pubsub_topic.snapshots.name
  role    = "roles/pubsub.subscriber" # on a topic: pubsub.topics.attachSubscription
  member  = google_service_account.serving.member
}
