# Roles SageMaker assumes (execution, MLflow, HyperPod instances), each scoped to this
# stack's buckets and the log groups it writes; and the two policies for the people who
# run smconsole (read-only, operator). The operator policies are JSON templates under
# policies/ so a test can check them against the AWS calls the console makes.

data "aws_iam_policy_document" "sagemaker_trust" {
  statement {
    sid     = "SageMakerAssumesRole"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
    # Confused-deputy guard: only SageMaker acting for this account.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

locals {
  bucket_arns = { for purpose, name in local.data_buckets : purpose => "arn:${local.partition}:s3:::${name}" }
  sagemaker_log_arns = [
    "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/sagemaker/*",
    "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/sagemaker/*:log-stream:*",
  ]
  sagemaker_arns = "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:*"
  # Built from names, not read from the resources, so every policy is known at plan time
  # (reviewable in the plan, and checked by checkov on the plan).
  execution_role_arn = "arn:${local.partition}:iam::${local.account_id}:role/${local.global_name}-sagemaker-execution"
  # The SageMaker Python SDK's Session.default_bucket(): created on first use by the role.
  sdk_default_bucket_arn = "arn:${local.partition}:s3:::sagemaker-${local.region}-${local.account_id}"
  # What the SDK workflow in a notebook/Studio creates and then uses (fit, deploy, predict,
  # cleanup). Its names are generated (base_job_name + timestamp), so the scope is the
  # resource type in this account and region, not a name prefix.
  sdk_resource_arns = [for kind in ["training-job", "processing-job", "model", "endpoint-config", "endpoint", "transform-job", "hyper-parameter-tuning-job"] :
    "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:${kind}/*"
  ]
  hyperpod_role_arn   = "arn:${local.partition}:iam::${local.account_id}:role/${local.global_name}-hyperpod-instance"
  tracking_server_arn = "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:mlflow-tracking-server/${var.stack_name}-mlflow"
}

# --- the SageMaker execution role (jobs, endpoints, notebook, Studio users) -------------

resource "aws_iam_role" "execution" {
  name               = "${local.global_name}-sagemaker-execution"
  description        = "SageMaker execution role of smconsole stack ${var.stack_name}"
  assume_role_policy = data.aws_iam_policy_document.sagemaker_trust.json

  tags = local.tags
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "ListStackBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [for purpose in ["input", "output", "models"] : local.bucket_arns[purpose]]
  }

  statement {
    sid     = "ReadInput"
    actions = ["s3:GetObject"]
    resources = [
      "${local.bucket_arns["input"]}/*",
      "${local.bucket_arns["output"]}/*",
      "${local.bucket_arns["models"]}/*",
    ]
  }

  statement {
    sid       = "WriteOutputAndModels"
    actions   = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = ["${local.bucket_arns["output"]}/*", "${local.bucket_arns["models"]}/*"]
  }

  statement {
    sid = "SageMakerLogs"
    # GetLogEvents/DescribeLogStreams: the SDK's fit(logs=True) and deploy() follow the logs.
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:GetLogEvents"]
    resources = local.sagemaker_log_arns
  }

  # --- the SageMaker Python SDK workflow in the notebook and in Studio -------------------
  # get_execution_role() -> default_bucket() -> Estimator.fit() -> deploy() -> predict().

  statement {
    sid = "SdkFindsItsRole"
    # get_execution_role(): the notebook instance (or Studio user/space) names the role.
    actions = [
      "sagemaker:DescribeNotebookInstance",
      "sagemaker:DescribeDomain",
      "sagemaker:DescribeUserProfile",
      "sagemaker:DescribeSpace",
    ]
    resources = [
      "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:notebook-instance/*",
      "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:domain/*",
      "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:user-profile/*",
      "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:space/*",
    ]
  }

  statement {
    sid       = "SdkReadsItsOwnRole"
    actions   = ["iam:GetRole"]
    resources = [local.execution_role_arn]
  }

  statement {
    sid       = "SdkPassesThisRoleToSageMaker"
    actions   = ["iam:PassRole"]
    resources = [local.execution_role_arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["sagemaker.amazonaws.com"]
    }
  }

  statement {
    sid = "SdkTrainsDeploysPredicts"
    actions = [
      "sagemaker:AddTags",
      "sagemaker:CreateEndpoint",
      "sagemaker:CreateEndpointConfig",
      "sagemaker:CreateHyperParameterTuningJob",
      "sagemaker:CreateModel",
      "sagemaker:CreateProcessingJob",
      "sagemaker:CreateTrainingJob",
      "sagemaker:CreateTransformJob",
      "sagemaker:DeleteEndpoint",
      "sagemaker:DeleteEndpointConfig",
      "sagemaker:DeleteModel",
      "sagemaker:DescribeEndpoint",
      "sagemaker:DescribeEndpointConfig",
      "sagemaker:DescribeHyperParameterTuningJob",
      "sagemaker:DescribeModel",
      "sagemaker:DescribeProcessingJob",
      "sagemaker:DescribeTrainingJob",
      "sagemaker:DescribeTransformJob",
      "sagemaker:InvokeEndpoint",
      "sagemaker:ListTags",
      "sagemaker:StopProcessingJob",
      "sagemaker:StopTrainingJob",
      "sagemaker:UpdateEndpoint",
    ]
    resources = local.sdk_resource_arns
  }

  statement {
    sid = "SdkDefaultBucket"
    # default_bucket(): HeadBucket (ListBucket), CreateBucket on first use.
    actions   = ["s3:CreateBucket", "s3:GetBucketLocation", "s3:ListBucket"]
    resources = [local.sdk_default_bucket_arn]
  }

  statement {
    sid       = "SdkDefaultBucketObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = ["${local.sdk_default_bucket_arn}/*"]
  }

  statement {
    sid       = "SageMakerMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"] # PutMetricData has no resource type; the namespace condition scopes it
    condition {
      test     = "StringLike"
      variable = "cloudwatch:namespace"
      values   = ["/aws/sagemaker/*", "aws/sagemaker/*"]
    }
  }

  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # GetAuthorizationToken has no resource type
  }

  statement {
    sid     = "PullContainerImages"
    actions = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    # AWS Deep Learning Containers live in AWS-owned accounts of the same region.
    resources = ["arn:${local.partition}:ecr:${local.region}:*:repository/*"]
  }

  dynamic "statement" {
    for_each = var.create_notebook ? [1] : []
    content {
      sid       = "NotebookStopsItselfWhenIdle"
      actions   = ["sagemaker:StopNotebookInstance"]
      resources = ["arn:${local.partition}:sagemaker:${local.region}:${local.account_id}:notebook-instance/${lower(local.notebook_name)}"]
    }
  }

  dynamic "statement" {
    for_each = local.use_vpc ? [1] : []
    content {
      sid = "JobsInTheStackVpc"
      actions = [
        "ec2:CreateNetworkInterface",
        "ec2:CreateNetworkInterfacePermission",
        "ec2:DeleteNetworkInterface",
        "ec2:DeleteNetworkInterfacePermission",
      ]
      resources = ["arn:${local.partition}:ec2:${local.region}:${local.account_id}:*"]
      condition {
        test     = "ArnEquals"
        variable = "ec2:Vpc"
        values   = ["arn:${local.partition}:ec2:${local.region}:${local.account_id}:vpc/${var.vpc_id}"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.use_vpc ? [1] : []
    content {
      sid = "DescribeTheNetwork"
      actions = [
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
      ]
      resources = ["*"] # EC2 Describe* calls have no resource types
    }
  }

  dynamic "statement" {
    for_each = var.create_mlflow ? [1] : []
    content {
      sid       = "TrackToTheStackMlflow"
      actions   = ["sagemaker-mlflow:*"]
      resources = [local.tracking_server_arn]
    }
  }

  dynamic "statement" {
    for_each = local.use_kms ? [1] : []
    content {
      sid       = "UseTheStackKey"
      actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncrypt*"]
      resources = [var.kms_key_arn]
    }
  }
}

resource "aws_iam_policy" "execution" {
  name        = "${local.global_name}-sagemaker-execution"
  description = "What SageMaker jobs, endpoints and notebooks of stack ${var.stack_name} may do"
  policy      = data.aws_iam_policy_document.execution.json

  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = aws_iam_policy.execution.arn
}

# --- the MLflow tracking server's role --------------------------------------------------

resource "aws_iam_role" "mlflow" {
  count = var.create_mlflow ? 1 : 0

  name               = "${local.global_name}-mlflow"
  description        = "Role of the managed MLflow tracking server of smconsole stack ${var.stack_name}"
  assume_role_policy = data.aws_iam_policy_document.sagemaker_trust.json

  tags = local.tags
}

data "aws_iam_policy_document" "mlflow" {
  statement {
    sid       = "ListModelsBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [local.bucket_arns["models"]]
  }

  statement {
    sid       = "MlflowArtifacts"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = ["${local.bucket_arns["models"]}/mlflow/*"]
  }

  statement {
    sid = "RegisterModels"
    actions = [
      "sagemaker:AddTags",
      "sagemaker:CreateModelPackage",
      "sagemaker:CreateModelPackageGroup",
      "sagemaker:DescribeModelPackageGroup",
      "sagemaker:UpdateModelPackage",
    ]
    resources = [local.sagemaker_arns]
  }

  dynamic "statement" {
    for_each = local.use_kms ? [1] : []
    content {
      sid       = "UseTheStackKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [var.kms_key_arn]
    }
  }
}

resource "aws_iam_policy" "mlflow" {
  count = var.create_mlflow ? 1 : 0

  name        = "${local.global_name}-mlflow"
  description = "What the MLflow tracking server of stack ${var.stack_name} may do"
  policy      = data.aws_iam_policy_document.mlflow.json

  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "mlflow" {
  count = var.create_mlflow ? 1 : 0

  role       = aws_iam_role.mlflow[0].name
  policy_arn = aws_iam_policy.mlflow[0].arn
}

# --- the HyperPod instances' role -------------------------------------------------------
# Created unless the operator brings their own (hyperpod_node_role_arn).

locals {
  create_hyperpod_role = var.create_hyperpod && var.hyperpod_node_role_arn == ""
}

resource "aws_iam_role" "hyperpod" {
  count = local.create_hyperpod_role ? 1 : 0

  name               = "${local.global_name}-hyperpod-instance"
  description        = "Role of the HyperPod cluster nodes of smconsole stack ${var.stack_name}"
  assume_role_policy = data.aws_iam_policy_document.sagemaker_trust.json

  tags = local.tags
}

# The AWS managed policy made for exactly this role (lifecycle scripts from
# s3://sagemaker-*, cluster logs and metrics, SSM agent channels): scoped, not FullAccess.
resource "aws_iam_role_policy_attachment" "hyperpod_managed" {
  count = local.create_hyperpod_role ? 1 : 0

  role       = aws_iam_role.hyperpod[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonSageMakerClusterInstanceRolePolicy"
}

data "aws_iam_policy_document" "hyperpod" {
  statement {
    sid       = "ReadStackData"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [for purpose in ["input", "output", "models"] : local.bucket_arns[purpose]]
  }

  statement {
    sid       = "ReadInput"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arns["input"]}/*", "${local.bucket_arns["models"]}/*"]
  }

  statement {
    sid       = "WriteCheckpointsAndModels"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = ["${local.bucket_arns["output"]}/*", "${local.bucket_arns["models"]}/*"]
  }

  dynamic "statement" {
    for_each = local.use_vpc ? [1] : []
    content {
      sid = "NodesInTheStackVpc"
      actions = [
        "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface",
        "ec2:CreateNetworkInterfacePermission",
        "ec2:DeleteNetworkInterfacePermission",
      ]
      resources = ["arn:${local.partition}:ec2:${local.region}:${local.account_id}:*"]
      condition {
        test     = "ArnEquals"
        variable = "ec2:Vpc"
        values   = ["arn:${local.partition}:ec2:${local.region}:${local.account_id}:vpc/${var.vpc_id}"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.use_kms ? [1] : []
    content {
      sid       = "UseTheStackKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [var.kms_key_arn]
    }
  }
}

resource "aws_iam_policy" "hyperpod" {
  count = local.create_hyperpod_role ? 1 : 0

  name        = "${local.global_name}-hyperpod-instance"
  description = "Stack data access of the HyperPod nodes of stack ${var.stack_name}"
  policy      = data.aws_iam_policy_document.hyperpod.json

  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "hyperpod" {
  count = local.create_hyperpod_role ? 1 : 0

  role       = aws_iam_role.hyperpod[0].name
  policy_arn = aws_iam_policy.hyperpod[0].arn
}

# --- policies for the people who run smconsole -----------------------------------------

locals {
  operator_roles = "arn:${local.partition}:iam::${local.account_id}:role/${var.operator_role_prefix}*"
  policy_template_vars = {
    partition  = local.partition
    region     = local.region
    account_id = local.account_id
    # Model-quality reports the registry view reads live in the stack's output/models buckets.
    report_object_arns = ["${local.bucket_arns["output"]}/*", "${local.bucket_arns["models"]}/*"]
    passable_role_arns = concat(
      [local.execution_role_arn],
      # smconsole cluster-create passes the HyperPod node role as each group's ExecutionRole.
      var.create_hyperpod ? [local.hyperpod_node_role_arn] : [],
      var.operator_manages_roles ? [local.operator_roles] : [],
    )
    role_prefix = var.operator_role_prefix
    # The stack's managed MLflow server: its REST calls are checked as sagemaker-mlflow:*
    # on its ARN; the client lists run artifacts in its store itself (s3://models/mlflow).
    tracking_server_arns   = [local.tracking_server_arn]
    mlflow_artifact_bucket = local.data_buckets["models"]
  }
  read_only_policy = jsondecode(templatefile("${path.module}/policies/read-only.json.tftpl", local.policy_template_vars))
  operator_actions = jsondecode(templatefile("${path.module}/policies/operator.json.tftpl", local.policy_template_vars))
  role_actions     = jsondecode(templatefile("${path.module}/policies/operator-roles.json.tftpl", local.policy_template_vars))
  # (for-filters rather than conditionals: the two branches would be tuples of different lengths)
  kms_read = [for key in compact([var.kms_key_arn]) : {
    Sid      = "DecryptStackObjects"
    Effect   = "Allow"
    Action   = ["kms:Decrypt"]
    Resource = key
  }]
  mlflow_read               = jsondecode(templatefile("${path.module}/policies/mlflow-read-only.json.tftpl", local.policy_template_vars))
  mlflow_operate            = jsondecode(templatefile("${path.module}/policies/mlflow-operator.json.tftpl", local.policy_template_vars))
  mlflow_read_statements    = [for statement in local.mlflow_read.Statement : statement if var.create_mlflow]
  mlflow_operate_statements = [for statement in local.mlflow_operate.Statement : statement if var.create_mlflow]
}

resource "aws_iam_policy" "read_only" {
  name        = "${local.global_name}-smconsole-read-only"
  description = "Everything smconsole reads (smconsole --read-only)"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = concat(local.read_only_policy.Statement, local.kms_read, local.mlflow_read_statements)
  })

  tags = local.tags
}

resource "aws_iam_policy" "operator" {
  name        = "${local.global_name}-smconsole-operator"
  description = "Everything smconsole reads plus the changes it makes"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      local.read_only_policy.Statement,
      local.kms_read,
      local.mlflow_read_statements,
      local.operator_actions.Statement,
      local.mlflow_operate_statements,
    )
  })

  tags = local.tags
}

# Role management is its own policy: IAM caps a managed policy at 6,144 characters and the
# operator policy with everything on was within 1,000 of it. Admins attach both.
resource "aws_iam_policy" "operator_roles" {
  count = var.operator_manages_roles ? 1 : 0

  name        = "${local.global_name}-smconsole-operator-roles"
  description = "smconsole role-create/role-delete: roles named ${var.operator_role_prefix}* (administrators only)"
  policy      = jsonencode(local.role_actions)

  tags = local.tags
}
