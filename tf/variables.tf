# --- the stack ------------------------------------------------------------------------

variable "stack_name" {
  description = "Name of the stack: prefixes every resource; bucket and IAM names also carry a region code ({stack_name}-use1-input-{account_id}, {stack_name}-use1-sagemaker-execution). Lower-case letters, digits and single hyphens, 3-32 characters."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.stack_name)) && !strcontains(var.stack_name, "--")
    error_message = "stack_name must be 3-32 lower-case letters, digits and single hyphens, start with a letter and end with a letter or digit (it becomes part of S3 bucket names)."
  }
}

variable "tags" {
  description = "Tags for every taggable resource of the stack, set on each resource (so they hold without provider default_tags), merged with smconsole:stack and ManagedBy (which win)."
  type        = map(string)
  default     = {}
}

# --- S3 -------------------------------------------------------------------------------

variable "kms_key_arn" {
  description = "ARN of a customer-managed KMS key for the buckets, the notebook volume and the Studio EFS. Empty: SSE-S3 (AES256) for buckets and AWS-owned keys elsewhere."
  type        = string
  default     = ""

  validation {
    condition     = var.kms_key_arn == "" || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]{36}$", var.kms_key_arn))
    error_message = "kms_key_arn must be empty or a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/UUID)."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which non-current object versions are deleted from the stack's buckets."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number of days, at least 1."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which incomplete multipart uploads are aborted (their parts cost storage)."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && floor(var.abort_incomplete_multipart_upload_days) == var.abort_incomplete_multipart_upload_days
    error_message = "abort_incomplete_multipart_upload_days must be a whole number of days, at least 1."
  }
}

variable "intelligent_tiering_after_days" {
  description = "Days after creation at which objects in the input, output and models buckets move to S3 Intelligent-Tiering (no retrieval fees; S3 moves each object to cheaper tiers while it is not read). null: they stay in S3 Standard."
  type        = number
  default     = null

  validation {
    condition     = var.intelligent_tiering_after_days == null || try(var.intelligent_tiering_after_days >= 0 && floor(var.intelligent_tiering_after_days) == var.intelligent_tiering_after_days, false)
    error_message = "intelligent_tiering_after_days must be null or a whole number of days, at least 0."
  }
}

variable "archive_access_after_days" {
  description = "Intelligent-Tiering objects not read for this many days move to the Archive Access tier (90-730; reading them then needs a restore, minutes to hours). Needs intelligent_tiering_after_days. null: off."
  type        = number
  default     = null

  validation {
    condition     = var.archive_access_after_days == null || try(var.archive_access_after_days >= 90 && var.archive_access_after_days <= 730 && floor(var.archive_access_after_days) == var.archive_access_after_days, false)
    error_message = "archive_access_after_days must be null or a whole number of days from 90 to 730."
  }
}

variable "deep_archive_access_after_days" {
  description = "Intelligent-Tiering objects not read for this many days move to the Deep Archive Access tier (180-730, more than archive_access_after_days; a restore takes up to 12 hours). Needs intelligent_tiering_after_days. null: off."
  type        = number
  default     = null

  validation {
    condition     = var.deep_archive_access_after_days == null || try(var.deep_archive_access_after_days >= 180 && var.deep_archive_access_after_days <= 730 && floor(var.deep_archive_access_after_days) == var.deep_archive_access_after_days, false)
    error_message = "deep_archive_access_after_days must be null or a whole number of days from 180 to 730."
  }
}

variable "enable_access_logging" {
  description = "Create a {stack_name}-{region code}-access-logs-{account_id} bucket and send S3 server access logs of every stack bucket to it."
  type        = bool
  default     = false
}

variable "access_log_retention_days" {
  description = "Days S3 access logs are kept (when enable_access_logging is true)."
  type        = number
  default     = 365

  validation {
    condition     = var.access_log_retention_days >= 1 && floor(var.access_log_retention_days) == var.access_log_retention_days
    error_message = "access_log_retention_days must be a whole number of days, at least 1."
  }
}

variable "force_destroy_buckets" {
  description = "Let destroy delete buckets that still hold objects (and every version of them). Keep false for anything holding data you want."
  type        = bool
  default     = false
}

# --- operators ------------------------------------------------------------------------

variable "operator_manages_roles" {
  description = "Let the operator policy create and delete IAM roles named {operator_role_prefix}* and pass them to SageMaker (smconsole role-create / role-delete). This lets an operator give SageMaker jobs any permission: grant it to administrators only."
  type        = bool
  default     = false
}

variable "operator_role_prefix" {
  description = "Name prefix of the IAM roles the operator may manage when operator_manages_roles is true (smconsole's default role is smconsole-sagemaker-execution-role)."
  type        = string
  default     = "smconsole-"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{3,32}$", var.operator_role_prefix))
    error_message = "operator_role_prefix must be 3-32 characters valid in IAM role names (letters, digits, +=,.@_-); no wildcards."
  }
}

# --- networking -----------------------------------------------------------------------

variable "vpc_id" {
  description = "VPC for the Studio domain (required with create_domain), the notebook and the HyperPod cluster. Empty: no VPC (the notebook then needs direct internet access)."
  type        = string
  default     = ""

  validation {
    condition     = var.vpc_id == "" || can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must be empty or a VPC id (vpc-0123456789abcdef0)."
  }
}

variable "subnet_ids" {
  description = "Private subnets of vpc_id (at least one when vpc_id is set). The notebook uses the first."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", id))])
    error_message = "subnet_ids must be subnet ids (subnet-0123456789abcdef0)."
  }
}

# --- notebook instance ----------------------------------------------------------------

variable "create_notebook" {
  description = "Create a notebook instance ({stack_name}-notebook) that stops itself when idle."
  type        = bool
  default     = false
}

variable "notebook_instance_type" {
  description = "Instance type of the notebook instance."
  type        = string
  default     = "ml.t3.medium"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9]+\\.[a-z0-9]+$", var.notebook_instance_type))
    error_message = "notebook_instance_type must be a SageMaker instance type such as ml.t3.medium."
  }
}

variable "notebook_volume_size" {
  description = "Size of the notebook's ML storage volume, in GB."
  type        = number
  default     = 20

  validation {
    condition     = var.notebook_volume_size >= 5 && var.notebook_volume_size <= 16384 && floor(var.notebook_volume_size) == var.notebook_volume_size
    error_message = "notebook_volume_size must be a whole number of GB from 5 to 16384."
  }
}

variable "notebook_idle_minutes" {
  description = "The notebook stops itself after this many minutes with no kernel busy and no Jupyter activity."
  type        = number
  default     = 60

  validation {
    condition     = var.notebook_idle_minutes >= 5 && var.notebook_idle_minutes <= 1440 && floor(var.notebook_idle_minutes) == var.notebook_idle_minutes
    error_message = "notebook_idle_minutes must be a whole number from 5 to 1440."
  }
}

variable "notebook_root_access" {
  description = "Give notebook users root on the instance (off by default: they can still pip install into their own environments)."
  type        = bool
  default     = false
}

# --- Studio domain ---------------------------------------------------------------------

variable "create_domain" {
  description = "Create a SageMaker Studio domain in vpc_id/subnet_ids (IAM authentication)."
  type        = bool
  default     = false
}

variable "domain_network_access" {
  description = "Studio's network access: VpcOnly (all traffic through your VPC; needs VPC endpoints or a NAT) or PublicInternetOnly."
  type        = string
  default     = "VpcOnly"

  validation {
    condition     = contains(["VpcOnly", "PublicInternetOnly"], var.domain_network_access)
    error_message = "domain_network_access must be VpcOnly or PublicInternetOnly."
  }
}

variable "domain_efs_retention" {
  description = "What happens to the domain's home-directory EFS when the domain is destroyed: Retain (keep users' files) or Delete."
  type        = string
  default     = "Retain"

  validation {
    condition     = contains(["Retain", "Delete"], var.domain_efs_retention)
    error_message = "domain_efs_retention must be Retain or Delete."
  }
}

variable "create_vpc_endpoints" {
  description = "Create the VPC endpoints Studio needs in vpc_id (sagemaker.api, sagemaker.runtime, sts, logs, ecr.api, ecr.dkr interfaces; an S3 gateway). null: on when create_domain with domain_network_access = VpcOnly. Set false when the VPC already has them or a NAT."
  type        = bool
  default     = null
}

variable "route_table_ids" {
  description = "Route tables of subnet_ids that get the S3 gateway endpoint's route (with the VPC endpoints). Empty: the gateway endpoint is created without routes."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.route_table_ids : can(regex("^rtb-[0-9a-f]{8,17}$", id))])
    error_message = "route_table_ids must be route table ids (rtb-0123456789abcdef0)."
  }
}

variable "domain_user_profiles" {
  description = "Studio user profiles to create in the domain (names; each uses the stack's execution role). Without one, nobody can open Studio."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for name in var.domain_user_profiles : can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", name))])
    error_message = "domain_user_profiles must be names of 1-63 letters, digits and hyphens."
  }
}

# --- managed MLflow ---------------------------------------------------------------------

variable "create_mlflow" {
  description = "Create a SageMaker managed MLflow tracking server; its artifacts go to s3://{models bucket}/mlflow."
  type        = bool
  default     = false
}

variable "mlflow_server_size" {
  description = "Size of the MLflow tracking server: Small, Medium or Large."
  type        = string
  default     = "Small"

  validation {
    condition     = contains(["Small", "Medium", "Large"], var.mlflow_server_size)
    error_message = "mlflow_server_size must be Small, Medium or Large."
  }
}

variable "mlflow_version" {
  description = "MLflow version of the tracking server. Empty: the newest SageMaker offers."
  type        = string
  default     = ""

  validation {
    condition     = var.mlflow_version == "" || can(regex("^[0-9]+\\.[0-9]+(\\.[0-9]+)?$", var.mlflow_version))
    error_message = "mlflow_version must be empty or a version such as 2.16 or 2.16.2."
  }
}

variable "mlflow_automatic_model_registration" {
  description = "Register models logged to MLflow in the SageMaker Model Registry automatically."
  type        = bool
  default     = false
}

# --- HyperPod ---------------------------------------------------------------------------

variable "create_hyperpod" {
  description = "Create a SageMaker HyperPod cluster with Slurm (controller, optional login, compute groups). Needs hyperpod_lifecycle_scripts_dir."
  type        = bool
  default     = false
}

variable "hyperpod_cluster_name" {
  description = "Name of the HyperPod cluster. Empty: {stack_name}-hyperpod."
  type        = string
  default     = ""

  validation {
    condition     = var.hyperpod_cluster_name == "" || can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", var.hyperpod_cluster_name))
    error_message = "hyperpod_cluster_name must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "hyperpod_node_role_arn" {
  description = "ARN of an existing IAM role for the HyperPod nodes (each instance group's ExecutionRole). Empty: the stack creates {stack_name}-{region code}-hyperpod-instance. Either way operators may pass it (smconsole cluster-create)."
  type        = string
  default     = ""

  validation {
    condition     = var.hyperpod_node_role_arn == "" || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.hyperpod_node_role_arn))
    error_message = "hyperpod_node_role_arn must be empty or an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)."
  }
}

variable "create_fsx_lustre" {
  description = "Create an FSx for Lustre file system in subnet_ids[0] (needs vpc_id) and hand it to the HyperPod lifecycle scripts, which mount it at /fsx."
  type        = bool
  default     = false
}

variable "fsx_storage_capacity_gib" {
  description = "Capacity of the FSx for Lustre file system in GiB (1200, 2400 or a multiple of 2400)."
  type        = number
  default     = 1200

  validation {
    condition     = var.fsx_storage_capacity_gib == 1200 || (var.fsx_storage_capacity_gib >= 2400 && var.fsx_storage_capacity_gib % 2400 == 0)
    error_message = "fsx_storage_capacity_gib must be 1200, 2400 or a multiple of 2400."
  }
}

variable "fsx_throughput_per_unit_of_storage" {
  description = "FSx for Lustre PERSISTENT_2 throughput per TiB (MB/s): 125, 250, 500 or 1000."
  type        = number
  default     = 250

  validation {
    condition     = contains([125, 250, 500, 1000], var.fsx_throughput_per_unit_of_storage)
    error_message = "fsx_throughput_per_unit_of_storage must be 125, 250, 500 or 1000."
  }
}

variable "hyperpod_lifecycle_scripts_dir" {
  description = "Local directory of HyperPod lifecycle scripts with on_create.sh (e.g. the base-config of aws-samples/awsome-distributed-training). Uploaded to s3://sagemaker-{stack_name}-{region code}-hp-{account_id}/lifecycle/ next to a generated provisioning_parameters.json."
  type        = string
  default     = ""
}

variable "hyperpod_controller_instance_type" {
  description = "Instance type of the Slurm controller group (one node)."
  type        = string
  default     = "ml.m5.xlarge"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9-]+\\.[a-z0-9]+$", var.hyperpod_controller_instance_type))
    error_message = "hyperpod_controller_instance_type must be a SageMaker instance type such as ml.m5.xlarge."
  }
}

variable "hyperpod_login_count" {
  description = "Number of login nodes (0 for none; operators then reach the controller)."
  type        = number
  default     = 1

  validation {
    condition     = var.hyperpod_login_count >= 0 && var.hyperpod_login_count <= 4 && floor(var.hyperpod_login_count) == var.hyperpod_login_count
    error_message = "hyperpod_login_count must be a whole number from 0 to 4."
  }
}

variable "hyperpod_login_instance_type" {
  description = "Instance type of the login group."
  type        = string
  default     = "ml.m5.xlarge"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9-]+\\.[a-z0-9]+$", var.hyperpod_login_instance_type))
    error_message = "hyperpod_login_instance_type must be a SageMaker instance type such as ml.m5.xlarge."
  }
}

variable "hyperpod_compute_instance_type" {
  description = "Instance type of the compute (worker) group."
  type        = string
  default     = "ml.g5.8xlarge"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9-]+\\.[a-z0-9]+$", var.hyperpod_compute_instance_type))
    error_message = "hyperpod_compute_instance_type must be a SageMaker instance type such as ml.g5.8xlarge."
  }
}

variable "hyperpod_compute_count" {
  description = "Number of compute nodes."
  type        = number
  default     = 2

  validation {
    condition     = var.hyperpod_compute_count >= 1 && floor(var.hyperpod_compute_count) == var.hyperpod_compute_count
    error_message = "hyperpod_compute_count must be a whole number, at least 1."
  }
}

variable "hyperpod_threads_per_core" {
  description = "Threads per CPU core on every node: 1 (hyper-threading off, usual for HPC/training) or 2."
  type        = number
  default     = 1

  validation {
    condition     = contains([1, 2], var.hyperpod_threads_per_core)
    error_message = "hyperpod_threads_per_core must be 1 or 2."
  }
}

variable "hyperpod_node_recovery" {
  description = "HyperPod node recovery: Automatic (replace faulty nodes) or None."
  type        = string
  default     = "Automatic"

  validation {
    condition     = contains(["Automatic", "None"], var.hyperpod_node_recovery)
    error_message = "hyperpod_node_recovery must be Automatic or None."
  }
}

# --- console events ---------------------------------------------------------------------

variable "enable_console_events" {
  description = "Push SageMaker state changes to the console: an EventBridge rule on the default bus -> an SNS topic -> one SQS queue per name in console_events_consumers."
  type        = bool
  default     = false
}

variable "console_events_consumers" {
  description = "One events queue per console or operator (an SQS message is read once): names of lowercase letters, digits and dashes."
  type        = list(string)
  default     = ["console"]

  validation {
    condition     = length(var.console_events_consumers) > 0 && alltrue([for name in var.console_events_consumers : can(regex("^[a-z0-9][a-z0-9-]{0,39}$", name))])
    error_message = "console_events_consumers must list at least one name of lowercase letters, digits and dashes (at most 40)."
  }
}

variable "console_events_retention_hours" {
  description = "Hours an unread event stays in a console's queue (1-336); older changes are picked up by the console's polls."
  type        = number
  default     = 6

  validation {
    condition     = var.console_events_retention_hours >= 1 && var.console_events_retention_hours <= 336 && floor(var.console_events_retention_hours) == var.console_events_retention_hours
    error_message = "console_events_retention_hours must be a whole number from 1 to 336."
  }
}
