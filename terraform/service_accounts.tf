# Three identities, no keys: Cloud Run, Cloud Scheduler and the serving fleet (through workload
# identity or its runtime) use them directly.

resource "google_service_account" "job" {
  project      = var.project
  account_id   = "promoscore-job"
  display_name = "promoscore batch job"
  description  = "Runs promoscore: reads features from BigQuery, writes snapshots, announces them."
}

resource "google_service_account" "scheduler" {
  project      = var.project
  account_id   = "promoscore-scheduler"
  display_name = "promoscore scheduler"
  description  = "Used by Cloud Scheduler to start the promoscore Cloud Run Jobs, nothing else."
}

resource "google_service_account" "serving" {
  project      = var.project
  account_id   = "promoscore-serving"
  display_name = "promoscore serving readers"
  description  = "Serving caches: read published snapshots and receive their notifications."
}
