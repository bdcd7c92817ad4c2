# smconsole's AWS footprint: buckets, roles, operator policies and the optional SageMaker
# parts (notebook, Studio domain, managed MLflow, HyperPod) that the console then manages.
#
# One state per stack: smconsole's tf-* commands select the Terraform workspace named
# after the stack before every plan/apply/destroy (see README.md).

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# The region is the provider's (the caller configures it): every ARN and name below is
# built from it, so they can never disagree.
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  # S3 bucket and IAM names are global: a stack of the same name in a second region must
  # not collide with the first, so those names carry a short region code (us-east-1 ->
  # use1, ap-southeast-2 -> apse2, us-gov-west-1 -> usgw1; unknown words stay as they are).
  region_words = {
    east      = "e", west = "w", north = "n", south = "s", central = "c", gov = "g",
    northeast = "ne", northwest = "nw", southeast = "se", southwest = "sw",
  }
  region_code = join("", [for part in split("-", local.region) : lookup(local.region_words, part, part)])
  # Prefix of every global name (IAM roles and policies; buckets put the purpose after it).
  global_name = "${var.stack_name}-${local.region_code}"

  # On every taggable resource (resource arguments, not provider default_tags: the caller's
  # provider may have none). Ours win over var.tags for these two keys.
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
