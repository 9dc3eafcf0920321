resource "google_pubsub_topic" "snapshots" {
  project                    = var.project
  name                       = var.topic
  labels                     = local.labels
  message_retention_duration = "604800s"

  depends_on = [google_project_service.apis]
}

# No subscription here: every serving replica creates its own on this topic (`promoscore serve
# --topic`), ordered, with a one-day expiration policy so a crashed replica's subscription goes away
# by itself, and deletes it on a clean stop. One shared subscription would hand each message to one
# replica only (docs/serving.md, "A fleet").
