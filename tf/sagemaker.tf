# The optional SageMaker parts: a notebook instance that stops itself when idle, a Studio
# domain in your VPC, a managed MLflow tracking server, a HyperPod Slurm cluster.

# --- networking shared by the parts placed in the VPC ------------------------------------

resource "aws_security_group" "sagemaker" {
  # checkov:skip=CKV2_AWS_5:Created only when a part that attaches it is on (notebook, domain, VPC endpoints, FSx, the HyperPod cluster through its CloudFormation parameter); checkov links neither FSx nor the stack parameter.
  count = local.use_vpc && (var.create_domain || var.create_notebook || var.create_hyperpod || var.create_fsx_lustre) ? 1 : 0

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

  tags = local.tags
}

# --- notebook instance -------------------------------------------------------------------

resource "aws_sagemaker_notebook_instance_lifecycle_configuration" "autostop" {
  count = var.create_notebook ? 1 : 0

  name     = "${var.stack_name}-autostop"
  on_start = base64encode(templatefile("${path.module}/scripts/notebook-autostop.sh.tftpl", { idle_minutes = var.notebook_idle_minutes }))

  tags = local.tags
}

resource "aws_sagemaker_notebook_instance" "this" {
  # checkov:skip=CKV_AWS_22:The volume is encrypted either way: with kms_key_arn by that customer key, without it (the default) by a SageMaker AWS-managed key.
  # checkov:skip=CKV_AWS_187:The volume is encrypted either way: with kms_key_arn by that customer key, without it (the default) by a SageMaker AWS-managed key.
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

  tags = local.tags

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
  # checkov:skip=CKV_AWS_187:The home EFS is encrypted either way: with kms_key_arn by that customer key, without it (the default) by an AWS-managed key.
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

  tags = local.tags

  lifecycle {
    precondition {
      condition     = local.use_vpc && length(var.subnet_ids) > 0
      error_message = "create_domain needs vpc_id and at least one subnet in subnet_ids."
    }
  }
}

# Studio in VpcOnly mode reaches AWS only through the VPC: without these endpoints (or a
# NAT) its apps cannot start, pull images, log or call SageMaker. On by default with
# VpcOnly (create_vpc_endpoints = null); the S3 gateway routes through route_table_ids.
locals {
  vpc_endpoints_on = var.create_domain && local.use_vpc && (
    var.create_vpc_endpoints == null ? var.domain_network_access == "VpcOnly" : var.create_vpc_endpoints
  )
  interface_endpoint_services = local.vpc_endpoints_on ? toset(["sagemaker.api", "sagemaker.runtime", "sts", "logs", "ecr.api", "ecr.dkr"]) : toset([])
}

resource "aws_vpc_endpoint" "interface" {
  for_each = local.interface_endpoint_services

  vpc_id              = var.vpc_id
  service_name        = "com.amazonaws.${local.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = var.subnet_ids
  security_group_ids  = aws_security_group.sagemaker[*].id # members reach each other on 443
  private_dns_enabled = true

  tags = local.tags
}

resource "aws_vpc_endpoint" "s3" {
  count = local.vpc_endpoints_on ? 1 : 0

  vpc_id            = var.vpc_id
  service_name      = "com.amazonaws.${local.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = var.route_table_ids

  tags = local.tags
}

resource "aws_sagemaker_user_profile" "this" {
  for_each = var.create_domain ? toset(var.domain_user_profiles) : toset([])

  domain_id         = aws_sagemaker_domain.this[0].id
  user_profile_name = each.key
  # Users inherit the domain's execution role and security group (default_user_settings).

  tags = local.tags
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

  tags = local.tags

  depends_on = [aws_iam_role_policy_attachment.mlflow, module.bucket]
}

# --- HyperPod (Slurm) ----------------------------------------------------------------------
# The AWS provider 5.x (5.100.0 included) has no HyperPod cluster resource, so the cluster is
# one AWS::SageMaker::Cluster in a CloudFormation stack that Terraform owns (created, updated
# and deleted with the rest of the stack). Whatever is only known after apply (the security
# group id) enters as a stack parameter, so the template itself is known at plan time: the
# reviewer and checkov see the whole cluster in the plan.

locals {
  hyperpod_scripts_dir = var.hyperpod_lifecycle_scripts_dir != "" ? pathexpand(var.hyperpod_lifecycle_scripts_dir) : ""
  hyperpod_script_files = var.create_hyperpod && local.hyperpod_scripts_dir != "" ? [
    for file in fileset(local.hyperpod_scripts_dir, "**") : file if file != "provisioning_parameters.json"
  ] : []
  hyperpod_lifecycle_uri = var.create_hyperpod ? "s3://${local.data_buckets["hyperpod"]}/lifecycle/" : ""
  # The node role: the operator's own when given, else the one this stack creates.
  hyperpod_node_role_arn = var.hyperpod_node_role_arn != "" ? var.hyperpod_node_role_arn : local.hyperpod_role_arn

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
    # The base-config lifecycle scripts mount this at /fsx on every node.
    local.use_fsx ? {
      fsx_dns_name  = aws_fsx_lustre_file_system.this[0].dns_name
      fsx_mountname = aws_fsx_lustre_file_system.this[0].mount_name
    } : {},
  )
}

# --- FSx for Lustre (the /fsx the seed's Slurm jobs read and write) ----------------------

locals {
  use_fsx = var.create_fsx_lustre
}

resource "aws_fsx_lustre_file_system" "this" {
  count = local.use_fsx ? 1 : 0

  storage_capacity            = var.fsx_storage_capacity_gib
  deployment_type             = "PERSISTENT_2"
  per_unit_storage_throughput = var.fsx_throughput_per_unit_of_storage
  file_system_type_version    = "2.15"
  data_compression_type       = "LZ4"
  # One subnet (Lustre is single-AZ): the first, where the notebook also lives.
  subnet_ids = slice(var.subnet_ids, 0, min(1, length(var.subnet_ids)))
  # The stack group lets its members reach each other on every port (Lustre: 988, 1018-1023).
  security_group_ids = local.use_vpc ? [aws_security_group.sagemaker[0].id] : []
  kms_key_id         = local.use_kms ? var.kms_key_arn : null

  tags = local.tags

  lifecycle {
    precondition {
      condition     = local.use_vpc && length(var.subnet_ids) > 0
      error_message = "create_fsx_lustre needs vpc_id and at least one subnet in subnet_ids."
    }
  }
}

resource "aws_s3_object" "hyperpod_scripts" {
  for_each = toset(local.hyperpod_script_files)

  bucket      = module.bucket["hyperpod"].id
  key         = "lifecycle/${each.value}"
  source      = "${local.hyperpod_scripts_dir}/${each.value}"
  source_hash = filemd5("${local.hyperpod_scripts_dir}/${each.value}")

  tags = local.tags

  depends_on = [module.bucket]
}

resource "aws_s3_object" "hyperpod_provisioning" {
  count = var.create_hyperpod ? 1 : 0

  bucket       = module.bucket["hyperpod"].id
  key          = "lifecycle/provisioning_parameters.json"
  content      = jsonencode(local.hyperpod_provisioning)
  content_type = "application/json"

  tags = local.tags

  depends_on = [module.bucket]
}

resource "aws_cloudformation_stack" "hyperpod" {
  # checkov:skip=CKV_AWS_124:Terraform follows the stack itself (waits for it and reports failures); no SNS subscriber exists in this stack.
  count = var.create_hyperpod ? 1 : 0

  name       = "${var.stack_name}-hyperpod"
  on_failure = "DELETE"

  template_body = jsonencode(merge({
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
              ExecutionRole     = local.hyperpod_node_role_arn # known at plan time (the role is a dependency below)
              ThreadsPerCore    = var.hyperpod_threads_per_core
              LifeCycleConfig = {
                SourceS3Uri = local.hyperpod_lifecycle_uri
                OnCreate    = "on_create.sh"
              }
            }]
          },
          local.use_vpc ? {
            VpcConfig = {
              SecurityGroupIds = [{ Ref = "SecurityGroupId" }]
              Subnets          = var.subnet_ids
            }
          } : {},
        )
      }
    }

    Outputs = {
      ClusterArn = { Value = { "Fn::GetAtt" = ["Cluster", "ClusterArn"] } }
    }
    }, local.use_vpc ? {
    Parameters = {
      SecurityGroupId = { Type = "AWS::EC2::SecurityGroup::Id", Description = "The stack's SageMaker security group" }
    }
  } : {}))

  parameters = local.use_vpc ? { SecurityGroupId = aws_security_group.sagemaker[0].id } : null

  tags = local.tags

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
    # Without this the plan passes and CreateCluster fails at apply with "Subnets: []".
    precondition {
      condition     = !local.use_vpc || length(var.subnet_ids) > 0
      error_message = "create_hyperpod with vpc_id needs at least one subnet in subnet_ids (the cluster's nodes are placed in them)."
    }
  }
}
