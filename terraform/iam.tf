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

resource "google_pubsub_subscription_iam_member" "serving_subscriber" {
  project      = var.project
  subscription = google_pubsub_subscription.serving.name
  role         = "roles/pubsub.subscriber"
  member       = google_service_account.serving.member
}

# --- the Pub/Sub service agent: forward undeliverable messages to the dead-letter topic
locals {
  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_topic_iam_member" "pubsub_agent_dead_letter_publisher" {
  project = var.project
  topic   = google_pubsub_topic.dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_serving_subscriber" {
  project      = var.project
  subscription = google_pubsub_subscription.serving.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}
