# jobs/*.yaml is the one description of each job: the CLI validates it (src/config/job.ts), and
# terraform reads the same files here. The defaults below mirror JOB_DEFAULTS in src/config/job.ts
# (test/terraform checks that they agree).
locals {
  jobs_dir = "${path.module}/../jobs"

  job_files = {
    for f in fileset(local.jobs_dir, "*.yaml") : trimsuffix(f, ".yaml") => yamldecode(file("${local.jobs_dir}/${f}"))
  }

  jobs = {
    for name, j in local.job_files : name => {
      name        = j.name
      dataset     = try(j.dataset, "promo_scores")
      cadence     = j.cadence
      schedule    = try(j.schedule, null)
      time_zone   = try(j.time_zone, "Etc/UTC")
      args        = try(j.args, [])
      tasks       = coalesce(try(var.job_overrides[name].tasks, null), try(j.tasks, 1))
      parallelism = coalesce(try(var.job_overrides[name].parallelism, null), try(j.resources.parallelism, 0))
      cpu         = coalesce(try(var.job_overrides[name].cpu, null), try(tostring(j.resources.cpu), "2"))
      memory      = coalesce(try(var.job_overrides[name].memory, null), try(j.resources.memory, "4Gi"))
      timeout     = coalesce(try(var.job_overrides[name].timeout, null), try(j.resources.timeout, "3600s"))
      retries     = try(j.resources.retries, 1)
    }
  }

  # Only jobs with a schedule get a Cloud Scheduler trigger; backfill is run by hand.
  scheduled_jobs = { for name, j in local.jobs : name => j if j.schedule != null }

  store_uri  = "gs://${var.bucket}/${var.store_prefix}"
  object_ref = "projects/_/buckets/${var.bucket}/objects/${var.store_prefix}/"

  # IAM condition limiting object rights to the store prefix; listing is a bucket-level call, so it
  # is allowed only when the request's list prefix is inside the store prefix too.
  prefix_condition = join(" || ", [
    "resource.name.startsWith(\"${local.object_ref}\")",
    "api.getAttribute(\"storage.googleapis.com/objectListPrefix\", \"\").startsWith(\"${var.store_prefix}/\")",
  ])

  # Where the job runs: src/config/job.ts (withEnvironment) reads these over the job file.
  job_env = {
    PROMOSCORE_WAREHOUSE          = "bigquery://${var.project}/${var.source_dataset}"
    PROMOSCORE_STORE              = local.store_uri
    PROMOSCORE_NOTIFY             = "pubsub://${google_pubsub_topic.snapshots.id}"
    PROMOSCORE_BQ_LOCATION        = var.bigquery_location
    PROMOSCORE_BQ_SCRATCH_DATASET = google_bigquery_dataset.scratch.dataset_id
    PROMOSCORE_LOG_FORMAT         = "json"
  }

  labels = merge(var.labels, { app = "promoscore" })

  notification_channels = google_monitoring_notification_channel.email[*].id
}
