resource "google_monitoring_notification_channel" "email" {
  count = var.alert_email == "" ? 0 : 1

  project      = var.project
  display_name = "promoscore on-call"
  type         = "email"
  labels = {
    email_address = var.alert_email
  }
}

# Any failed execution of a promoscore job (exit 2–6 after the task retries, OOM, timeout).
resource "google_monitoring_alert_policy" "failed_execution" {
  project      = var.project
  display_name = "promoscore: failed job execution"
  combiner     = "OR"

  conditions {
    display_name = "a promoscore Cloud Run Job execution failed"
    condition_threshold {
      filter          = "resource.type = \"cloud_run_job\" AND resource.labels.job_name = starts_with(\"promoscore-\") AND metric.type = \"run.googleapis.com/job/completed_execution_count\" AND metric.labels.result = \"failed\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_SUM"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "A promoscore job failed. Find the exit code in the job's logs (jsonPayload.exit_code) and follow docs/deploy.md, \"Runbook\"."
  }

  notification_channels = local.notification_channels
}

# Every run that ends with LATEST on its version ("published" or "already-published") logs
# `run finished` at NOTICE with the dataset among its labels; counting those lines per dataset
# tells whether LATEST is fresh.
resource "google_logging_metric" "published" {
  project = var.project
  name    = "promoscore_published"
  filter  = "resource.type=\"cloud_run_job\" AND resource.labels.job_name=~\"^promoscore-\" AND jsonPayload.message=\"run finished\" AND (jsonPayload.status=\"published\" OR jsonPayload.status=\"already-published\")"

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "promoscore runs that left LATEST current"

    labels {
      key         = "dataset"
      value_type  = "STRING"
      description = "snapshot dataset"
    }
  }

  label_extractors = {
    dataset = "EXTRACT(labels.dataset)"
  }
}

# Failed runs by exit code, for the on-call's triage (3 input, 4 gate, 5 infra, 6 race).
resource "google_logging_metric" "run_failed" {
  project = var.project
  name    = "promoscore_run_failed"
  filter  = "resource.type=\"cloud_run_job\" AND resource.labels.job_name=~\"^promoscore-\" AND severity=ERROR AND jsonPayload.exit_code>0"

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "promoscore runs that failed, by exit code"

    labels {
      key         = "exit_code"
      value_type  = "STRING"
      description = "the CLI's exit code"
    }
  }

  label_extractors = {
    exit_code = "EXTRACT(jsonPayload.exit_code)"
  }
}

# Stale LATEST: no run of a scheduled job's dataset has left LATEST current within its window.
resource "google_monitoring_alert_policy" "stale_latest" {
  for_each = local.scheduled_jobs

  project      = var.project
  display_name = "promoscore: ${each.value.dataset} LATEST is stale"
  combiner     = "OR"

  conditions {
    display_name = "no published ${each.value.dataset} version for ${var.stale_after_hours[each.value.cadence]}h"
    condition_prometheus_query_language {
      query               = "absent_over_time(logging_googleapis_com:user_${google_logging_metric.published.name}{monitored_resource=\"cloud_run_job\",dataset=\"${each.value.dataset}\"}[${var.stale_after_hours[each.value.cadence]}h])"
      duration            = "0s"
      evaluation_interval = "300s"
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "Serving is reading an old version of ${each.value.dataset}: the ${each.key} job has not published for ${var.stale_after_hours[each.value.cadence]} hours. See docs/deploy.md, \"Runbook\"."
  }

  notification_channels = local.notification_channels
}
