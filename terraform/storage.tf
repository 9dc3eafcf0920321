resource "google_storage_bucket" "snapshots" {
  project  = var.project
  name     = var.bucket
  location = var.region
  labels   = local.labels

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  # LATEST moves by compare-and-swap on generations; keeping overwritten generations a few days
  # lets the on-call see (and restore) what LATEST pointed at before.
  versioning {
    enabled = true
  }

  soft_delete_policy {
    retention_duration_seconds = var.soft_delete_days * 86400
  }

  # Orphaned versions: noncurrent generations (old LATEST pointers, objects removed by gc) go away
  # after var.noncurrent_version_days, and never pile up beyond a few per object.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.noncurrent_version_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      num_newer_versions = 5
      with_state         = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  # A crashed writer may leave a multipart upload behind; nothing ever resumes it.
  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }

  depends_on = [google_project_service.apis]
}
