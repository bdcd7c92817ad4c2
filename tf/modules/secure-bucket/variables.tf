variable "name" {
  description = "Name of the bucket."
  type        = string
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
