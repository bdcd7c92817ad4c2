# The optional SageMaker parts: a notebook instance that stops itself when idle, a Studio
# domain in your VPC, a managed MLflow tracking server, a HyperPod Slurm cluster.

# --- networking shared by the parts placed in the VPC ------------------------------------

resource "aws_security_group" "sagemaker" {
  count = local.use_vpc && (var.create_domain || var.create_notebook || var.create_hyperpod) ? 1 : 0

  name        = "${var.stack_name}-sagemaker"
  description = "SageMaker resources of smconsole stack ${var.stack_name}"
  vpc_id      = var.vpc_id

  # Studio apps talk to each other and to the home EFS, HyperPod nodes run Slurm and NCCL
  # between themselves: members of this group reach each other on every port.
  ingress {
    description = "Traffic between SageMaker resources of this stack"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    self        = true
  }

  egress {
    description = "Traffic between SageMaker resources of this stack"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    self        = true
  }

  # AWS APIs (through VPC endpoints or a NAT) and package mirrors: HTTPS only.
  egress {
    description = "HTTPS to AWS APIs and VPC endpoints"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# --- notebook instance -------------------------------------------------------------------

resource "aws_sagemaker_notebook_instance_lifecycle_configuration" "autostop" {
  count = var.create_notebook ? 1 : 0

  name     = "${var.stack_name}-autostop"
  on_start = base64encode(templatefile("${path.module}/scripts/notebook-autostop.sh.tftpl", { idle_minutes = var.notebook_idle_minutes }))
}

resource "aws_sagemaker_notebook_instance" "this" {
  count = var.create_notebook ? 1 : 0

  name                  = local.notebook_name
  role_arn              = aws_iam_role.execution.arn
  instance_type         = var.notebook_instance_type
  volume_size           = var.notebook_volume_size
  lifecycle_config_name = aws_sagemaker_notebook_instance_lifecycle_configuration.autostop[0].name
  kms_key_id            = local.use_kms ? var.kms_key_arn : null
  root_access           = var.notebook_root_access ? "Enabled" : "Disabled"
  # In a VPC all traffic goes through it; without one SageMaker requires direct access.
  subnet_id              = local.use_vpc ? var.subnet_ids[0] : null
  security_groups        = local.use_vpc ? [aws_security_group.sagemaker[0].id] : null
  direct_internet_access = local.use_vpc ? "Disabled" : "Enabled"

  instance_metadata_service_configuration {
    minimum_instance_metadata_service_version = "2"
  }

  depends_on = [aws_iam_role_policy_attachment.execution]

  lifecycle {
    precondition {
      condition     = !local.use_vpc || length(var.subnet_ids) > 0
      error_message = "A notebook in vpc_id needs at least one subnet in subnet_ids."
    }
  }
}

# --- Studio domain -----------------------------------------------------------------------

resource "aws_sagemaker_domain" "this" {
  count = var.create_domain ? 1 : 0

  domain_name             = "${var.stack_name}-studio"
  auth_mode               = "IAM"
  vpc_id                  = var.vpc_id
  subnet_ids              = var.subnet_ids
  app_network_access_type = var.domain_network_access
  kms_key_id              = local.use_kms ? var.kms_key_arn : null

  default_user_settings {
    execution_role  = aws_iam_role.execution.arn
    security_groups = [aws_security_group.sagemaker[0].id]
  }

  retention_policy {
    home_efs_file_system = var.domain_efs_retention
  }

  lifecycle {
    precondition {
      condition     = local.use_vpc && length(var.subnet_ids) > 0
      error_message = "create_domain needs vpc_id and at least one subnet in subnet_ids."
    }
  }
}

# --- managed MLflow ----------------------------------------------------------------------

resource "aws_sagemaker_mlflow_tracking_server" "this" {
  count = var.create_mlflow ? 1 : 0

  tracking_server_name         = "${var.stack_name}-mlflow"
  role_arn                     = aws_iam_role.mlflow[0].arn
  artifact_store_uri           = "s3://${local.data_buckets["models"]}/mlflow" # known at plan time
  tracking_server_size         = var.mlflow_server_size
  mlflow_version               = var.mlflow_version != "" ? var.mlflow_version : null
  automatic_model_registration = var.mlflow_automatic_model_registration

  depends_on = [aws_iam_role_policy_attachment.mlflow, module.bucket]
}

# --- HyperPod (Slurm) ----------------------------------------------------------------------
# The AWS provider 5.x has no HyperPod cluster resource, so the cluster is one
# AWS::SageMaker::Cluster in a CloudFormation stack that Terraform owns (created, updated
# and deleted with the rest of the stack).

locals {
  hyperpod_scripts_dir = var.hyperpod_lifecycle_scripts_dir != "" ? pathexpand(var.hyperpod_lifecycle_scripts_dir) : ""
  hyperpod_script_files = var.create_hyperpod && local.hyperpod_scripts_dir != "" ? [
    for file in fileset(local.hyperpod_scripts_dir, "**") : file if file != "provisioning_parameters.json"
  ] : []
  hyperpod_lifecycle_uri = var.create_hyperpod ? "s3://${local.data_buckets["hyperpod"]}/lifecycle/" : ""

  hyperpod_groups = concat(
    [{ name = "controller", type = var.hyperpod_controller_instance_type, count = 1 }],
    var.hyperpod_login_count > 0 ? [{ name = "login", type = var.hyperpod_login_instance_type, count = var.hyperpod_login_count }] : [],
    [{ name = "compute", type = var.hyperpod_compute_instance_type, count = var.hyperpod_compute_count }],
  )

  # Read by the Slurm lifecycle scripts to tell which group is which.
  hyperpod_provisioning = merge(
    {
      version          = "1.0.0"
      workload_manager = "slurm"
      controller_group = "controller"
      worker_groups    = [{ instance_group_name = "compute", partition_name = "compute" }]
    },
    var.hyperpod_login_count > 0 ? { login_group = "login" } : {},
  )
}

resource "aws_s3_object" "hyperpod_scripts" {
  for_each = toset(local.hyperpod_script_files)

  bucket      = module.bucket["hyperpod"].id
  key         = "lifecycle/${each.value}"
  source      = "${local.hyperpod_scripts_dir}/${each.value}"
  source_hash = filemd5("${local.hyperpod_scripts_dir}/${each.value}")

  depends_on = [module.bucket]
}

resource "aws_s3_object" "hyperpod_provisioning" {
  count = var.create_hyperpod ? 1 : 0

  bucket       = module.bucket["hyperpod"].id
  key          = "lifecycle/provisioning_parameters.json"
  content      = jsonencode(local.hyperpod_provisioning)
  content_type = "application/json"

  depends_on = [module.bucket]
}

resource "aws_cloudformation_stack" "hyperpod" {
  # checkov:skip=CKV_AWS_124:Terraform follows the stack itself (waits for it and reports failures); no SNS subscriber exists in this stack.
  count = var.create_hyperpod ? 1 : 0

  name       = "${var.stack_name}-hyperpod"
  on_failure = "DELETE"

  template_body = jsonencode({
    AWSTemplateFormatVersion = "2010-09-09"
    Description              = "SageMaker HyperPod Slurm cluster of smconsole stack ${var.stack_name} (managed by Terraform)"
    Resources = {
      Cluster = {
        Type = "AWS::SageMaker::Cluster"
        Properties = merge(
          {
            ClusterName  = local.cluster_name
            NodeRecovery = var.hyperpod_node_recovery
            InstanceGroups = [for group in local.hyperpod_groups : {
              InstanceGroupName = group.name
              InstanceType      = group.type
              InstanceCount     = group.count
              ExecutionRole     = local.hyperpod_role_arn # known at plan time (the role is a dependency below)
              ThreadsPerCore    = var.hyperpod_threads_per_core
              LifeCycleConfig = {
                SourceS3Uri = local.hyperpod_lifecycle_uri
                OnCreate    = "on_create.sh"
              }
            }]
          },
          local.use_vpc ? {
            VpcConfig = {
              SecurityGroupIds = [aws_security_group.sagemaker[0].id]
              Subnets          = var.subnet_ids
            }
          } : {},
        )
      }
    }
    Outputs = {
      ClusterArn = { Value = { "Fn::GetAtt" = ["Cluster", "ClusterArn"] } }
    }
  })

  timeouts {
    create = "120m"
    update = "120m"
    delete = "60m"
  }

  depends_on = [
    aws_iam_role.hyperpod,
    aws_s3_object.hyperpod_scripts,
    aws_s3_object.hyperpod_provisioning,
    aws_iam_role_policy_attachment.hyperpod,
    aws_iam_role_policy_attachment.hyperpod_managed,
  ]

  lifecycle {
    precondition {
      condition     = local.hyperpod_scripts_dir != "" && fileexists("${local.hyperpod_scripts_dir}/on_create.sh")
      error_message = "create_hyperpod needs hyperpod_lifecycle_scripts_dir: a directory with on_create.sh (e.g. awsome-distributed-training's LifecycleScripts/base-config)."
    }
  }
}
