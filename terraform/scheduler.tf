# One trigger per job file that has a `schedule`; schedule and time zone come from the file, and
# the job it starts carries the file's arguments, so the scheduler needs nothing but run.invoker.
resource "google_cloud_scheduler_job" "trigger" {
  for_each = local.scheduled_jobs

  project          = var.project
  region           = var.region
  name             = "promoscore-${each.key}"
  description      = "Starts promoscore-${each.key} (${each.value.cadence}) as defined in jobs/${each.key}.yaml"
  schedule         = each.value.schedule
  time_zone        = each.value.time_zone
  attempt_deadline = "180s"

  # Only the call that starts the execution is retried here; the job retries its own tasks.
  retry_config {
    retry_count          = 3
    min_backoff_duration = "30s"
  }

  http_target {
    http_method = "POST"
    uri         = "https://run.googleapis.com/v2/${google_cloud_run_v2_job.job[each.key].id}:run"

    oauth_token {
      service_account_email = google_service_account.scheduler.email
      scope                 = "https://www.googleapis.com/auth/cloud-platform"
    }
  }

  depends_on = [google_cloud_run_v2_job_iam_member.scheduler_invoker]
}
