# The minimal stack plus a notebook instance (billed per hour while InService) that stops
# itself after idle_minutes with no busy kernel, terminal or Jupyter activity.

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
  default     = "notebook"
}

variable "tags" {
  description = "Tags for every resource: the provider's default_tags and the module's own tags."
  type        = map(string)
  default = {
    team        = "ml-platform"
    cost-center = "ml-1234"
  }
}

variable "idle_minutes" {
  description = "The notebook stops itself after this many idle minutes."
  type        = number
  default     = 60
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

  create_notebook        = true
  notebook_instance_type = "ml.t3.medium"
  notebook_idle_minutes  = var.idle_minutes
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

output "notebook_name" {
  description = "smconsole notebook-url NAME opens it."
  value       = module.smconsole.notebook_name
}
