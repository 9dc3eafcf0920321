# One Cloud Run Job per jobs/<name>.yaml. Tasks, parallelism, timeout, retries and resources come
# from the file (or var.job_overrides); where the job runs comes from the environment.
resource "google_cloud_run_v2_job" "job" {
  for_each = local.jobs

  project             = var.project
  location            = var.region
  name                = "promoscore-${each.key}"
  labels              = merge(local.labels, { job = each.key })
  deletion_protection = false

  template {
    task_count  = each.value.tasks
    parallelism = min(each.value.parallelism, each.value.tasks)
    labels      = merge(local.labels, { job = each.key })

    template {
      service_account = google_service_account.job.email
      timeout         = each.value.timeout
      max_retries     = each.value.retries

      containers {
        image = var.image
        # the image's entrypoint is `promoscore`; the file is in the image under /app/jobs
        args = concat(["run", "--job", "jobs/${each.key}.yaml"], each.value.args)

        resources {
          limits = {
            cpu    = each.value.cpu
            memory = each.value.memory
          }
        }

        dynamic "env" {
          for_each = local.job_env
          content {
            name  = env.key
            value = env.value
          }
        }
      }
    }
  }

  depends_on = [
    google_project_service.apis,
    google_project_iam_member.job_bigquery_job_user,
    google_project_iam_member.job_bigquery_read_session_user,
    google_bigquery_dataset_iam_member.job_source_viewer,
    google_bigquery_dataset_iam_member.job_scratch_editor,
    google_storage_bucket_iam_member.job_objects,
    google_pubsub_topic_iam_member.job_publisher,
  ]
}
