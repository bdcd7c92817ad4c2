# terraform test (Terraform >= 1.7): every value with a known shape is refused at plan time,
# and the parts that need each other say so. The provider is mocked: nothing is created and
# no credentials are needed. Terraform checks every variable (and every precondition) of a
# plan before it stops, so one run can expect many failures at once.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
  mock_data "aws_region" {
    defaults = {
      name = "us-east-1"
    }
  }
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\": \"2012-10-17\", \"Statement\": []}"
    }
  }
}

variables {
  stack_name = "demo"
}

run "defaults_plan" {
  command = plan

  assert {
    condition     = length(module.bucket) == 3 && length(module.access_logs) == 0
    error_message = "By default: the input, output and models buckets and nothing else."
  }
  assert {
    condition     = length(aws_sagemaker_notebook_instance.this) + length(aws_sagemaker_domain.this) + length(aws_sagemaker_mlflow_tracking_server.this) + length(aws_cloudformation_stack.hyperpod) == 0
    error_message = "Every optional part is off by default."
  }
  assert {
    condition     = local.data_buckets["models"] == "demo-use1-models-123456789012"
    error_message = "Buckets are named {stack_name}-{region code}-{purpose}-{account_id}."
  }
  assert {
    condition     = aws_iam_role.execution.name == "demo-use1-sagemaker-execution"
    error_message = "IAM names are {stack_name}-{region code}-..."
  }
}

# Bucket and IAM names are global: the same stack in a second region gets other names.
run "a_second_region_does_not_collide" {
  command = plan
  override_data {
    target = data.aws_region.current
    values = {
      name = "ap-southeast-2"
    }
  }
  assert {
    condition     = local.data_buckets["models"] == "demo-apse2-models-123456789012" && aws_iam_role.execution.name == "demo-apse2-sagemaker-execution" && aws_iam_policy.operator.name == "demo-apse2-smconsole-operator"
    error_message = "A second region's stack has its own bucket and IAM names."
  }
}

# The bucket module alone: archive tiers in the wrong order, or without Intelligent-Tiering
# (only its objects reach them).
run "archive_tiers_come_in_order" {
  command = plan
  module {
    source = "./modules/secure-bucket"
  }
  variables {
    name                           = "demo-use1-input-123456789012"
    account_id                     = "123456789012"
    intelligent_tiering_after_days = 0
    archive_access_after_days      = 180
    deep_archive_access_after_days = 180
  }
  expect_failures = [aws_s3_bucket_intelligent_tiering_configuration.this]
}

run "archive_tiers_need_intelligent_tiering" {
  command = plan
  module {
    source = "./modules/secure-bucket"
  }
  variables {
    name                      = "demo-use1-input-123456789012"
    account_id                = "123456789012"
    archive_access_after_days = 90
  }
  expect_failures = [aws_s3_bucket_intelligent_tiering_configuration.this]
}

run "archive_tiers_in_order_after_intelligent_tiering_plan" {
  command = plan
  module {
    source = "./modules/secure-bucket"
  }
  variables {
    name                           = "demo-use1-input-123456789012"
    account_id                     = "123456789012"
    intelligent_tiering_after_days = 30
    archive_access_after_days      = 90
    deep_archive_access_after_days = 180
  }
  assert {
    condition     = length(aws_s3_bucket_intelligent_tiering_configuration.this) == 1
    error_message = "Both archive tiers are configured."
  }
}

run "a_bucket_name_longer_than_s3_allows_is_refused" {
  command = plan
  module {
    source = "./modules/secure-bucket"
  }
  variables {
    name       = "sagemaker-a-stack-name-of-thirty-two-chars-apse2-hp-123456789012"
    account_id = "123456789012"
  }
  expect_failures = [var.name]
}

run "every_bad_value_is_refused" {
  command = plan
  variables {
    stack_name                             = "Bad_Stack"
    intelligent_tiering_after_days         = -1
    archive_access_after_days              = 30
    deep_archive_access_after_days         = 800
    kms_key_arn                            = "alias/mine"
    noncurrent_version_expiration_days     = 0
    abort_incomplete_multipart_upload_days = 1.5
    access_log_retention_days              = -1
    vpc_id                                 = "vpc-nope"
    subnet_ids                             = ["sn-1"]
    operator_role_prefix                   = "smconsole-*"
    notebook_instance_type                 = "t3.medium"
    notebook_volume_size                   = 2
    notebook_idle_minutes                  = 2000
    domain_network_access                  = "Open"
    domain_efs_retention                   = "Keep"
    mlflow_server_size                     = "Huge"
    mlflow_version                         = "latest"
    hyperpod_cluster_name                  = "-bad-"
    hyperpod_controller_instance_type      = "m5.xlarge"
    hyperpod_login_instance_type           = "ml.m5"
    hyperpod_compute_instance_type         = "gpu"
    hyperpod_login_count                   = 5
    hyperpod_compute_count                 = 0
    hyperpod_threads_per_core              = 4
    hyperpod_node_recovery                 = "Sometimes"
    hyperpod_node_role_arn                 = "my-role"
    fsx_storage_capacity_gib               = 1000
    fsx_throughput_per_unit_of_storage     = 200
    route_table_ids                        = ["rt-1"]
    domain_user_profiles                   = ["bad name"]
  }
  expect_failures = [
    var.stack_name,
    var.intelligent_tiering_after_days,
    var.archive_access_after_days,
    var.deep_archive_access_after_days,
    var.kms_key_arn,
    var.noncurrent_version_expiration_days,
    var.abort_incomplete_multipart_upload_days,
    var.access_log_retention_days,
    var.vpc_id,
    var.subnet_ids,
    var.operator_role_prefix,
    var.notebook_instance_type,
    var.notebook_volume_size,
    var.notebook_idle_minutes,
    var.domain_network_access,
    var.domain_efs_retention,
    var.mlflow_server_size,
    var.mlflow_version,
    var.hyperpod_cluster_name,
    var.hyperpod_controller_instance_type,
    var.hyperpod_login_instance_type,
    var.hyperpod_compute_instance_type,
    var.hyperpod_login_count,
    var.hyperpod_compute_count,
    var.hyperpod_threads_per_core,
    var.hyperpod_node_recovery,
    var.hyperpod_node_role_arn,
    var.fsx_storage_capacity_gib,
    var.fsx_throughput_per_unit_of_storage,
    var.route_table_ids,
    var.domain_user_profiles,
  ]
}

# Stack names become bucket names ({stack_name}-{region code}-access-logs-{account_id},
# at most 63 characters).
run "stack_name_is_at_most_32_characters" {
  command = plan
  variables {
    stack_name = "a-very-long-stack-name-that-is-too-long"
  }
  expect_failures = [var.stack_name]
}

run "stack_name_has_no_double_hyphen" {
  command = plan
  variables {
    stack_name = "ab--cd"
  }
  expect_failures = [var.stack_name]
}

run "parts_that_need_each_other" {
  command = plan
  variables {
    create_domain   = true # needs vpc_id and subnet_ids
    create_hyperpod = true # needs hyperpod_lifecycle_scripts_dir
  }
  expect_failures = [aws_sagemaker_domain.this, aws_cloudformation_stack.hyperpod]
}

run "notebook_in_a_vpc_needs_a_subnet" {
  command = plan
  variables {
    create_notebook = true
    vpc_id          = "vpc-0123456789abcdef0"
  }
  expect_failures = [aws_sagemaker_notebook_instance.this]
}

# HyperPod in a VPC without subnets passed plan and failed at apply ("Subnets: []").
run "hyperpod_in_a_vpc_needs_a_subnet" {
  command = plan
  variables {
    create_hyperpod                = true
    hyperpod_lifecycle_scripts_dir = "tests/fixtures/lifecycle"
    vpc_id                         = "vpc-0123456789abcdef0"
  }
  expect_failures = [aws_cloudformation_stack.hyperpod]
}

run "fsx_needs_a_vpc_and_a_subnet" {
  command = plan
  variables {
    create_fsx_lustre = true
  }
  expect_failures = [aws_fsx_lustre_file_system.this]
}

run "an_operator_node_role_replaces_the_stack_one" {
  command = plan
  variables {
    create_hyperpod                = true
    hyperpod_lifecycle_scripts_dir = "tests/fixtures/lifecycle"
    hyperpod_node_role_arn         = "arn:aws:iam::123456789012:role/team-hyperpod-nodes"
  }
  assert {
    condition     = length(aws_iam_role.hyperpod) == 0 && local.hyperpod_node_role_arn == "arn:aws:iam::123456789012:role/team-hyperpod-nodes"
    error_message = "A node role given by the operator is used, and no second one is created."
  }
}
