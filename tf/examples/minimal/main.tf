# The smallest stack: buckets, the execution role and the console's two policies. Nothing
# in it is billed by the hour (S3 bills what you store).

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
  default     = "minimal"
}

variable "tags" {
  description = "Tags for every resource: the provider's default_tags and the module's own tags."
  type        = map(string)
  default = {
    team        = "ml-platform"
    cost-center = "ml-1234"
  }
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
