# A SageMaker Studio domain in your VPC (VpcOnly: the VPC endpoints Studio needs are created
# with it) and one user profile per name. Bring the VPC: its private subnets and their route
# tables (for the S3 gateway endpoint).

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
  default     = "studio"
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
  description = "Private subnets of vpc_id for Studio and its endpoints."
  type        = list(string)
}

variable "route_table_ids" {
  description = "Route tables of subnet_ids (they get the S3 gateway endpoint's route)."
  type        = list(string)
  default     = []
}

variable "user_profiles" {
  description = "Studio user profiles to create."
  type        = list(string)
  default     = ["alice"]
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

  vpc_id               = var.vpc_id
  subnet_ids           = var.subnet_ids
  route_table_ids      = var.route_table_ids
  create_domain        = true
  domain_user_profiles = var.user_profiles
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

output "domain_id" {
  description = "The Studio domain."
  value       = module.smconsole.domain_id
}

output "user_profile_names" {
  description = "Its user profiles."
  value       = module.smconsole.user_profile_names
}
