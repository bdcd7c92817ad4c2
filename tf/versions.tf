# What this module needs. It configures no provider itself: the caller does (region,
# credentials, default_tags), so it can be used as a child module (see examples/). When
# smconsole's tf-* commands run tf/ directly, they add a provider file to their working
# copy (console/terraform.py, PROVIDER_FILE).

terraform {
  # 1.5: strcontains() in the variable checks (and 1.4's workspace select -or-create,
  # which smconsole's tf-* commands use).
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.58 added aws_sagemaker_mlflow_tracking_server; 6.x is not tested here
      # (data.aws_region's `name` became `region` there).
      version = ">= 5.58.0, < 6.0.0"
    }
  }
}
