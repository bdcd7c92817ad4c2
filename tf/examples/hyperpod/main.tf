# A HyperPod Slurm cluster in your VPC with an FSx for Lustre file system at /fsx. Billed per
# node-hour from the moment it is created: plan, read the template in the plan, then apply.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.58.0, < 6.0.0"
    }
  }
}

variable "region" {
  description = "AWS region of the stack."
  type        = string
  default     = "us-east-1"
}

variable "stack_name" {
  description = "Name of the stack (prefixes its resources; part of its bucket and IAM names)."
  type        = string
  default     = "hpc"
}

variable "tags" {
  description = "Tags for every resource: the provider's default_tags and the module's own tags."
  type        = map(string)
  default = {
    team        = "ml-platform"
    cost-center = "ml-1234"
  }
}

variable "vpc_id" {
  description = "Your VPC."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of vpc_id for the nodes (FSx goes in the first)."
  type        = list(string)
}

variable "lifecycle_scripts_dir" {
  description = "Directory with on_create.sh (e.g. awsome-distributed-training's LifecycleScripts/base-config)."
  type        = string
}

variable "node_role_arn" {
  description = "An existing role for the nodes. Empty: the stack creates one."
  type        = string
  default     = ""
}

# Your provider, your credentials: the module configures none (see ../../versions.tf).
provider "aws" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}

module "smconsole" {
  # From elsewhere: source = "git::https://example.com/your/smconsole.git//tf?ref=v1.0.0"
  source = "../.."

  stack_name = var.stack_name
  tags       = var.tags

  vpc_id                         = var.vpc_id
  subnet_ids                     = var.subnet_ids
  create_hyperpod                = true
  hyperpod_lifecycle_scripts_dir = var.lifecycle_scripts_dir
  hyperpod_node_role_arn         = var.node_role_arn
  hyperpod_compute_count         = 2
  create_fsx_lustre              = true
}

# What smconsole reads (terraform output -json) to fill in its defaults.
output "execution_role_arn" {
  description = "Role SageMaker jobs, endpoints and notebooks run as."
  value       = module.smconsole.execution_role_arn
}

output "buckets" {
  description = "The stack's input, output and models buckets."
  value = {
    input  = module.smconsole.input_bucket
    output = module.smconsole.output_bucket
    models = module.smconsole.models_bucket
  }
}

output "operator_policy_arn" {
  description = "Attach to the people who run smconsole (read_only_policy_arn for viewers)."
  value       = module.smconsole.operator_policy_arn
}

output "read_only_policy_arn" {
  description = "Attach to the people who only watch with smconsole --read-only."
  value       = module.smconsole.read_only_policy_arn
}

output "cluster_name" {
  description = "smconsole's HyperPod tab finds it by this name."
  value       = module.smconsole.cluster_name
}

output "hyperpod_lifecycle_scripts_uri" {
  description = "Where the lifecycle scripts were uploaded."
  value       = module.smconsole.hyperpod_lifecycle_scripts_uri
}
