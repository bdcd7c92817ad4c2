variable "name" {
  description = "Name of the bucket."
  type        = string

  # S3's rules; the stack's names are {stack_name}-{region code}-{purpose}-{account_id}, so a
  # long stack name in a region with a long code can pass every other check and fail here.
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name))
    error_message = "The bucket name ${var.name} is not valid: S3 allows 3-63 lower-case letters, digits, dots and hyphens (use a shorter stack_name)."
  }
}

variable "account_id" {
  description = "AWS account that owns the bucket (the only source of access-log deliveries)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for SSE-KMS. Empty: SSE-S3 (AES256)."
  type        = string
  default     = ""
}

variable "force_destroy" {
  description = "Let destroy delete the bucket with every object version in it."
  type        = bool
  default     = false
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which non-current object versions are deleted."
  type        = number
  default     = 90
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which incomplete multipart uploads are aborted."
  type        = number
  default     = 7
}

variable "expire_objects_after_days" {
  description = "Days after which current objects expire (0: never). For log buckets."
  type        = number
  default     = 0
}

variable "log_delivery_source_arns" {
  description = "ARNs of the buckets allowed to deliver S3 access logs into this one (makes it a log bucket)."
  type        = list(string)
  default     = []
}

variable "intelligent_tiering_after_days" {
  description = "Days after creation at which current objects move to S3 Intelligent-Tiering (null: never)."
  type        = number
  default     = null
}

variable "archive_access_after_days" {
  description = "Days without access after which Intelligent-Tiering objects move to the Archive Access tier (null: never)."
  type        = number
  default     = null
}

variable "deep_archive_access_after_days" {
  description = "Days without access after which Intelligent-Tiering objects move to the Deep Archive Access tier (null: never)."
  type        = number
  default     = null
}

variable "tags" {
  description = "Tags for the bucket."
  type        = map(string)
  default     = {}
}
