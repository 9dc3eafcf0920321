output "store_uri" {
  description = "Pass as --store (the jobs get it as PROMOSCORE_STORE)."
  value       = local.store_uri
}

output "notify_uri" {
  description = "Pass as --notify (the jobs get it as PROMOSCORE_NOTIFY)."
  value       = "pubsub://${google_pubsub_topic.snapshots.id}"
}

output "serving_topic_uri" {
  description = "Pass to serving replicas as --topic: each creates a subscription of its own on it."
  value       = "pubsub://${google_pubsub_topic.snapshots.id}"
}

output "warehouse_uri" {
  description = "Pass as --warehouse (the jobs get it as PROMOSCORE_WAREHOUSE)."
  value       = local.job_env.PROMOSCORE_WAREHOUSE
}

output "cloud_run_jobs" {
  description = "Cloud Run Job names by job file."
  value       = { for k, j in google_cloud_run_v2_job.job : k => j.name }
}

output "service_accounts" {
  description = "Emails of the job, scheduler and serving service accounts."
  value = {
    job       = google_service_account.job.email
    scheduler = google_service_account.scheduler.email
    serving   = google_service_account.serving.email
  }
}
