# Query destinations: each run writes its feature query results here and reads them back with the
# Storage Read API. They expire on their own; the source dataset is never written.
resource "google_bigquery_dataset" "scratch" {
  project                     = var.project
  dataset_id                  = var.scratch_dataset
  location                    = var.bigquery_location
  friendly_name               = "promoscore scratch"
  description                 = "Destination tables of promoscore feature queries; they expire automatically."
  default_table_expiration_ms = var.scratch_table_expiration_hours * 3600 * 1000
  delete_contents_on_destroy  = true
  labels                      = local.labels

  depends_on = [google_project_service.apis]
}
