variable "project" {
  description = "GCP project id that hosts the job, the bucket, the datasets and the topic."
  type        = string
}

variable "region" {
  description = "Region of the Cloud Run Jobs, Cloud Scheduler triggers and the bucket (e.g. europe-west1)."
  type        = string
}

variable "bucket" {
  description = "Name of the snapshot bucket to create (globally unique)."
  type        = string
}

variable "store_prefix" {
  description = "Object prefix under which snapshots live (the store URI is gs://BUCKET/PREFIX); IAM grants are scoped to it."
  type        = string
  default     = "snapshots"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_.-]*(/[a-z0-9][a-z0-9_.-]*)*$", var.store_prefix))
    error_message = "store_prefix must be a relative object prefix without leading or trailing slash, e.g. \"snapshots\"."
  }
}

variable "source_dataset" {
  description = "Existing BigQuery dataset (in var.project) with the feature tables the job reads: campaigns, tracks, engagement_daily, ..."
  type        = string
}

variable "scratch_dataset" {
  description = "BigQuery dataset created for query destination tables (read back with the Storage Read API); tables expire."
  type        = string
  default     = "promoscore_scratch"
}

variable "bigquery_location" {
  description = "BigQuery location of the source dataset; the scratch dataset and the query jobs use the same one."
  type        = string
  default     = "US"
}

variable "scratch_table_expiration_hours" {
  description = "Default expiration of tables in the scratch dataset, in hours: destination tables outlive a run only this long."
  type        = number
  default     = 24

  validation {
    condition     = var.scratch_table_expiration_hours >= 1
    error_message = "scratch_table_expiration_hours must be at least 1 (BigQuery's minimum is one hour)."
  }
}

variable "image" {
  description = "Container image of promoscore (built from the repository's Dockerfile), ideally pinned by digest."
  type        = string
}

variable "job_overrides" {
  description = "Per-environment sizes by job name (nightly, hourly, backfill): tasks, parallelism, cpu, memory, timeout. Unset fields keep the values of jobs/<name>.yaml."
  type = map(object({
    tasks       = optional(number)
    parallelism = optional(number)
    cpu         = optional(string)
    memory      = optional(string)
    timeout     = optional(string)
  }))
  default = {}
}

variable "topic" {
  description = "Pub/Sub topic on which every published (or rolled back) snapshot version is announced."
  type        = string
  default     = "promoscore-snapshots"
}

variable "noncurrent_version_days" {
  description = "Days a noncurrent (overwritten or deleted) object version is kept before the bucket lifecycle deletes it."
  type        = number
  default     = 7
}

variable "soft_delete_days" {
  description = "Soft-delete retention of the bucket in days (0 disables; otherwise 7 to 90): deleted snapshots can be restored this long."
  type        = number
  default     = 7

  validation {
    condition     = var.soft_delete_days == 0 || (var.soft_delete_days >= 7 && var.soft_delete_days <= 90)
    error_message = "soft_delete_days must be 0 or between 7 and 90."
  }
}

variable "stale_after_hours" {
  description = "Alert when no run of a dataset has published (or found already published) for this many hours, by job cadence."
  type = object({
    daily  = number
    hourly = number
  })
  default = {
    daily  = 26
    hourly = 3
  }
}

variable "alert_email" {
  description = "E-mail address that receives the alerts (failed executions, stale LATEST, dead letters); empty for no channel."
  type        = string
  default     = ""
}

variable "labels" {
  description = "Labels added to every labelled resource (team, environment, cost center)."
  type        = map(string)
  default     = {}
}
