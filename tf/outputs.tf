# What smconsole reads (terraform output -json) to fill in its defaults: the execution
# role, the buckets, the MLflow tracking server and the HyperPod cluster.

output "stack_name" {
  description = "Name of the stack."
  value       = var.stack_name
}

output "region" {
  description = "Region of the stack."
  value       = local.region
}

output "account_id" {
  description = "AWS account of the stack."
  value       = local.account_id
}

output "input_bucket" {
  description = "Bucket for training and processing input."
  value       = module.bucket["input"].id
}

output "output_bucket" {
  description = "Bucket for job output and checkpoints."
  value       = module.bucket["output"].id
}

output "models_bucket" {
  description = "Bucket for model artifacts (and MLflow artifacts under mlflow/)."
  value       = module.bucket["models"].id
}

output "bucket_arns" {
  description = "ARNs of every bucket of the stack, by purpose."
  value       = merge({ for purpose, bucket in module.bucket : purpose => bucket.arn }, { for log in module.access_logs : "access-logs" => log.arn })
}

output "access_logs_bucket" {
  description = "Bucket receiving S3 access logs (null unless enable_access_logging)."
  value       = one(module.access_logs[*].id)
}

output "execution_role_arn" {
  description = "SageMaker execution role for jobs, models, endpoints, the notebook and Studio."
  value       = aws_iam_role.execution.arn
}

output "execution_role_name" {
  description = "Name of the SageMaker execution role."
  value       = aws_iam_role.execution.name
}

output "read_only_policy_arn" {
  description = "IAM policy for people running smconsole --read-only."
  value       = aws_iam_policy.read_only.arn
}

output "operator_policy_arn" {
  description = "IAM policy for people operating with smconsole (reads plus the changes it makes)."
  value       = aws_iam_policy.operator.arn
}

output "operator_roles_policy_arn" {
  description = "IAM policy for administrators who create and delete roles with smconsole, attached next to the operator policy (null unless operator_manages_roles)."
  value       = one(aws_iam_policy.operator_roles[*].arn)
}

output "mlflow_role_arn" {
  description = "Role of the MLflow tracking server (null unless create_mlflow)."
  value       = one(aws_iam_role.mlflow[*].arn)
}

output "hyperpod_instance_role_arn" {
  description = "Role of the HyperPod nodes: the stack's or hyperpod_node_role_arn (null unless create_hyperpod)."
  value       = var.create_hyperpod ? local.hyperpod_node_role_arn : null
}

output "security_group_id" {
  description = "Security group of the stack's SageMaker resources in the VPC (null without vpc_id)."
  value       = one(aws_security_group.sagemaker[*].id)
}

output "notebook_name" {
  description = "Name of the notebook instance (null unless create_notebook)."
  value       = one(aws_sagemaker_notebook_instance.this[*].name)
}

output "notebook_url" {
  description = "URL of the notebook instance (null unless create_notebook)."
  value       = one(aws_sagemaker_notebook_instance.this[*].url)
}

output "domain_id" {
  description = "Id of the Studio domain (null unless create_domain)."
  value       = one(aws_sagemaker_domain.this[*].id)
}

output "domain_url" {
  description = "URL of the Studio domain (null unless create_domain)."
  value       = one(aws_sagemaker_domain.this[*].url)
}

output "tracking_server_arn" {
  description = "ARN of the managed MLflow tracking server: smconsole's MLflow tracking URI (null unless create_mlflow)."
  value       = one(aws_sagemaker_mlflow_tracking_server.this[*].arn)
}

output "tracking_server_url" {
  description = "URL of the managed MLflow tracking server (null unless create_mlflow)."
  value       = one(aws_sagemaker_mlflow_tracking_server.this[*].tracking_server_url)
}

output "cluster_name" {
  description = "Name of the HyperPod cluster (null unless create_hyperpod)."
  value       = var.create_hyperpod ? local.cluster_name : null
}

output "cluster_arn" {
  description = "ARN of the HyperPod cluster (null unless create_hyperpod)."
  value       = one(aws_cloudformation_stack.hyperpod[*].outputs["ClusterArn"])
}

output "hyperpod_lifecycle_scripts_uri" {
  description = "S3 prefix of the HyperPod lifecycle scripts (null unless create_hyperpod)."
  value       = var.create_hyperpod ? local.hyperpod_lifecycle_uri : null
}

output "fsx_dns_name" {
  description = "DNS name of the FSx for Lustre file system (null unless create_fsx_lustre)."
  value       = one(aws_fsx_lustre_file_system.this[*].dns_name)
}

output "fsx_mount_name" {
  description = "Mount name of the FSx for Lustre file system: mount DNS@tcp:/MOUNT_NAME /fsx (null unless create_fsx_lustre)."
  value       = one(aws_fsx_lustre_file_system.this[*].mount_name)
}

output "user_profile_names" {
  description = "Studio user profiles created in the domain (empty unless create_domain and domain_user_profiles)."
  value       = sort(keys(aws_sagemaker_user_profile.this))
}

output "vpc_endpoint_ids" {
  description = "VPC endpoints created for Studio, by service (empty unless they are on)."
  value       = merge({ for service, endpoint in aws_vpc_endpoint.interface : service => endpoint.id }, { for endpoint in aws_vpc_endpoint.s3 : "s3" => endpoint.id })
}

output "events_queue_url" {
  description = "The events queue of the first name in console_events_consumers: the console's events_queue_url (null unless enable_console_events)."
  value       = local.events_on ? aws_sqs_queue.console_events[var.console_events_consumers[0]].url : null
}

output "events_queue_urls" {
  description = "Events queue URL per name in console_events_consumers (empty unless enable_console_events)."
  value       = { for name, queue in aws_sqs_queue.console_events : name => queue.url }
}

output "events_topic_arn" {
  description = "The SNS topic every console events queue subscribes to (null unless enable_console_events)."
  value       = one(aws_sns_topic.console_events[*].arn)
}

output "events_policy_arn" {
  description = "IAM policy to read the console events queues; attach it to operators (null unless enable_console_events)."
  value       = one(aws_iam_policy.console_events[*].arn)
}
