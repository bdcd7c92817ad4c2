# smconsole's AWS footprint: buckets, roles, operator policies and the optional SageMaker
# parts (notebook, Studio domain, managed MLflow, HyperPod) that the console then manages.
#
# One state per stack: smconsole's tf-* commands select the Terraform workspace named
# after the stack before every plan/apply/destroy (see README.md).

terraform {
  # 1.5: strcontains() in the variable checks (and 1.4's workspace select -or-create,
  # which smconsole's tf-* commands use).
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.58 added aws_sagemaker_mlflow_tracking_server; 6.x is not tested here.
      version = ">= 5.58.0, < 6.0.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  tags = merge(var.tags, {
    "smconsole:stack" = var.stack_name
    "ManagedBy"       = "terraform"
  })

  # A VPC is in play when one is given; the domain requires it, the notebook and the
  # HyperPod cluster use it when present.
  use_vpc = var.vpc_id != ""
  use_kms = var.kms_key_arn != ""

  notebook_name = "${var.stack_name}-notebook"
  cluster_name  = var.hyperpod_cluster_name != "" ? var.hyperpod_cluster_name : "${var.stack_name}-hyperpod"
}
