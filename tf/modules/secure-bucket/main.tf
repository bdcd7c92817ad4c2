# One S3 bucket with the hardening every bucket of the stack shares: versioning, default
# encryption, public access blocked, ACLs disabled, a TLS-only policy, lifecycle rules
# (non-current versions expire, incomplete uploads are aborted). Access logging is wired by
# the caller (it needs the log bucket, which is another instance of this module).

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.58.0, < 6.0.0"
    }
  }
}

data "aws_partition" "current" {}

locals {
  arn     = "arn:${data.aws_partition.current.partition}:s3:::${var.name}"
  use_kms = var.kms_key_arn != ""
}

resource "aws_s3_bucket" "this" {
  # checkov:skip=CKV_AWS_144:Cross-region replication doubles storage cost; add it per bucket where disaster recovery needs it.
  # checkov:skip=CKV2_AWS_62:Event notifications need a consumer (queue, Lambda); this stack has none.
  # checkov:skip=CKV_AWS_18:Access logging is the caller's choice and off by default (enable_access_logging; the log bucket costs storage); when on, s3.tf logs every stack bucket, and a log bucket must not log into itself.
  # checkov:skip=CKV_AWS_145:Default encryption is SSE-KMS with kms_key_arn and SSE-S3 without one (the module's default, no key to manage); the access-log bucket is always SSE-S3 because S3 server access log delivery cannot write SSE-KMS.
  bucket        = var.name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced" # ACLs off: access is decided by policies only
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = local.use_kms ? "aws:kms" : "AES256"
      kms_master_key_id = local.use_kms ? var.kms_key_arn : null
    }
    bucket_key_enabled = local.use_kms
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"
    filter {
      prefix = "" # the whole bucket (S3 echoes an empty prefix back for an empty filter)
    }
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  # Current objects move to Intelligent-Tiering (S3 then moves each object between its
  # access tiers by use; the archive tiers below are opt-in).
  dynamic "rule" {
    for_each = var.intelligent_tiering_after_days == null ? [] : [var.intelligent_tiering_after_days]
    content {
      id     = "intelligent-tiering"
      status = "Enabled"
      filter {
        prefix = ""
      }
      transition {
        days          = rule.value
        storage_class = "INTELLIGENT_TIERING"
      }
      abort_incomplete_multipart_upload {
        days_after_initiation = var.abort_incomplete_multipart_upload_days
      }
    }
  }

  dynamic "rule" {
    for_each = var.expire_objects_after_days > 0 ? [var.expire_objects_after_days] : []
    content {
      id     = "expire-objects"
      status = "Enabled"
      filter {
        prefix = ""
      }
      expiration {
        days = rule.value
      }
      abort_incomplete_multipart_upload {
        days_after_initiation = var.abort_incomplete_multipart_upload_days
      }
    }
  }

  # Versioning first: S3 refuses noncurrent-version rules while versioning is being set.
  depends_on = [aws_s3_bucket_versioning.this]
}

# The archive tiers of Intelligent-Tiering (hours to restore; objects there are read only
# after a restore), for objects not accessed for the given days.
resource "aws_s3_bucket_intelligent_tiering_configuration" "this" {
  count = var.archive_access_after_days != null || var.deep_archive_access_after_days != null ? 1 : 0

  bucket = aws_s3_bucket.this.id
  name   = "archive-tiers"
  status = "Enabled"

  lifecycle {
    # Only objects in Intelligent-Tiering reach its archive tiers; SageMaker writes
    # STANDARD objects, so without the transition these tiers would silently do nothing.
    precondition {
      condition     = var.intelligent_tiering_after_days != null
      error_message = "archive_access_after_days / deep_archive_access_after_days need intelligent_tiering_after_days (only Intelligent-Tiering objects reach the archive tiers)."
    }
    precondition {
      condition     = var.archive_access_after_days == null || var.deep_archive_access_after_days == null || coalesce(var.deep_archive_access_after_days, 0) > coalesce(var.archive_access_after_days, 0)
      error_message = "deep_archive_access_after_days must be more than archive_access_after_days (objects reach Archive Access first)."
    }
  }

  dynamic "tiering" {
    for_each = var.archive_access_after_days == null ? [] : [var.archive_access_after_days]
    content {
      access_tier = "ARCHIVE_ACCESS"
      days        = tiering.value
    }
  }

  dynamic "tiering" {
    for_each = var.deep_archive_access_after_days == null ? [] : [var.deep_archive_access_after_days]
    content {
      access_tier = "DEEP_ARCHIVE_ACCESS"
      days        = tiering.value
    }
  }
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.arn, "${local.arn}/*"]
    principals {
      type        = "AWS" # {"AWS": "*"} means everyone, like "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid       = "DenyOutdatedTls"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.arn, "${local.arn}/*"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }

  # S3 server access logging delivers as the logging service, only for the named buckets
  # of this account.
  dynamic "statement" {
    for_each = length(var.log_delivery_source_arns) > 0 ? [1] : []
    content {
      sid       = "AllowS3AccessLogDelivery"
      effect    = "Allow"
      actions   = ["s3:PutObject"]
      resources = ["${local.arn}/*"]
      principals {
        type        = "Service"
        identifiers = ["logging.s3.amazonaws.com"]
      }
      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [var.account_id]
      }
      condition {
        test     = "ArnLike"
        variable = "aws:SourceArn"
        values   = var.log_delivery_source_arns
      }
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.this.json

  # PutBucketPolicy fails while a public-access block is being written.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
