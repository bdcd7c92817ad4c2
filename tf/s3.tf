# The stack's buckets: input data, job output, models (and MLflow artifacts), plus the
# HyperPod lifecycle-scripts bucket and the access-log bucket when those are enabled.
# Each is one call of modules/secure-bucket, so every bucket gets the same hardening.
# Names: {stack_name}-{region code}-{purpose}-{account_id} (S3 names are global: the
# region code keeps a second region's stack of the same name from colliding).

locals {
  data_buckets = merge(
    { for purpose in ["input", "output", "models"] : purpose => "${local.global_name}-${purpose}-${local.account_id}" },
    # HyperPod's lifecycle scripts must live under s3://sagemaker-... (the HyperPod
    # service and its managed instance policy only read buckets with that prefix).
    var.create_hyperpod ? { hyperpod = "sagemaker-${local.global_name}-hp-${local.account_id}" } : {},
  )
  access_log_bucket = "${local.global_name}-access-logs-${local.account_id}"
}

module "bucket" {
  source   = "./modules/secure-bucket"
  for_each = local.data_buckets

  name                                   = each.value
  account_id                             = local.account_id
  kms_key_arn                            = var.kms_key_arn
  force_destroy                          = var.force_destroy_buckets
  noncurrent_version_expiration_days     = var.noncurrent_version_expiration_days
  abort_incomplete_multipart_upload_days = var.abort_incomplete_multipart_upload_days
  intelligent_tiering_after_days         = var.intelligent_tiering_after_days
  archive_access_after_days              = var.archive_access_after_days
  deep_archive_access_after_days         = var.deep_archive_access_after_days
  tags                                   = local.tags
}

# Server access logs of every stack bucket. S3 log delivery writes with SSE-S3 only, so
# this bucket never uses the KMS key; its objects expire after access_log_retention_days.
module "access_logs" {
  source = "./modules/secure-bucket"
  count  = var.enable_access_logging ? 1 : 0

  name                                   = local.access_log_bucket
  account_id                             = local.account_id
  force_destroy                          = var.force_destroy_buckets
  noncurrent_version_expiration_days     = var.noncurrent_version_expiration_days
  abort_incomplete_multipart_upload_days = var.abort_incomplete_multipart_upload_days
  expire_objects_after_days              = var.access_log_retention_days
  log_delivery_source_arns               = [for name in values(local.data_buckets) : "arn:${local.partition}:s3:::${name}"]
  tags                                   = local.tags
}

resource "aws_s3_bucket_logging" "this" {
  for_each = var.enable_access_logging ? local.data_buckets : {}

  bucket        = module.bucket[each.key].id
  target_bucket = module.access_logs[0].id
  target_prefix = "${each.value}/"

  # S3 checks the log bucket's policy when logging is switched on.
  depends_on = [module.access_logs]
}
