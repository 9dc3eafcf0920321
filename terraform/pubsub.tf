resource "google_pubsub_topic" "snapshots" {
  project                    = var.project
  name                       = var.topic
  labels                     = local.labels
  message_retention_duration = "604800s"

  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic" "dead_letter" {
  project = var.project
  name    = "${var.topic}-dead-letter"
  labels  = local.labels

  depends_on = [google_project_service.apis]
}

# The serving fleet's subscription: ordered per dataset (the ordering key), retried with backoff,
# and dead-lettered after var.max_delivery_attempts so one poison message cannot block a dataset.
resource "google_pubsub_subscription" "serving" {
  project = var.project
  name    = var.serving_subscription
  topic   = google_pubsub_topic.snapshots.id
  labels  = local.labels

  enable_message_ordering    = true
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  expiration_policy {
    ttl = "" # never expire, even when the fleet is down for a while
  }
}

# Without a subscription, messages sent to the dead-letter topic would be dropped.
resource "google_pubsub_subscription" "dead_letter" {
  project                    = var.project
  name                       = "${var.serving_subscription}-dead-letter"
  topic                      = google_pubsub_topic.dead_letter.id
  labels                     = local.labels
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = ""
  }
}
