# Push, not poll (enable_console_events): SageMaker's state-change events on the
# account's default bus -> one SNS topic -> one SQS queue per console (or operator).
#
# Why a topic in the middle: an SQS message is read by one consumer, so consoles cannot
# share a queue, and an EventBridge rule has at most five targets. The topic fans every
# event out to any number of queues; adding an operator is one more name in
# console_events_consumers (a queue and a subscription), with no change to the rule. See
# README.md, "Console events".

locals {
  events_on = var.enable_console_events
  # The detail types the console shows (console/events/parse.py reads the same list).
  console_event_detail_types = [
    "SageMaker Training Job State Change",
    "SageMaker Processing Job State Change",
    "SageMaker Transform Job State Change",
    "SageMaker HyperParameter Tuning Job State Change",
    "SageMaker Endpoint State Change",
    "SageMaker Model Package State Change",
    "SageMaker Model Building Pipeline Execution Status Change",
    "SageMaker Model Building Pipeline Execution Step Status Change",
    "SageMaker HyperPod Cluster State Change",
    "SageMaker HyperPod Cluster Node Health Event",
  ]
  events_consumers = local.events_on ? toset(var.console_events_consumers) : toset([])
  events_name      = "${var.stack_name}-console-events"
  # ARNs built from their names, so the policies below are known (and reviewable) at plan.
  events_rule_arn  = "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${local.events_name}"
  events_topic_arn = "arn:${local.partition}:sns:${local.region}:${local.account_id}:${local.events_name}"
  events_queue_arn = { for name in local.events_consumers : name => "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${local.events_name}-${name}" }
}

resource "aws_cloudwatch_event_rule" "console_events" {
  count = local.events_on ? 1 : 0

  name        = local.events_name
  description = "SageMaker state changes for smconsole (stack ${var.stack_name})"
  event_pattern = jsonencode({
    source        = ["aws.sagemaker"]
    "detail-type" = local.console_event_detail_types
  })

  tags = local.tags
}

resource "aws_sns_topic" "console_events" {
  # checkov:skip=CKV_AWS_26:Encrypted with kms_key_arn when one is set (its key policy must let events.amazonaws.com use it); events carry resource names and states only.
  count = local.events_on ? 1 : 0

  name              = local.events_name
  kms_master_key_id = local.use_kms ? var.kms_key_arn : null

  tags = local.tags
}

# Only this stack's rule may publish to the topic.
resource "aws_sns_topic_policy" "console_events" {
  count = local.events_on ? 1 : 0

  arn = aws_sns_topic.console_events[0].arn
  # (depends on the rule: the policy names it)
  depends_on = [aws_cloudwatch_event_rule.console_events]
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "OnlyTheConsoleEventsRule"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sns:Publish"
      Resource  = local.events_topic_arn
      Condition = { ArnEquals = { "aws:SourceArn" = local.events_rule_arn } }
    }]
  })
}

resource "aws_cloudwatch_event_target" "console_events" {
  count = local.events_on ? 1 : 0

  rule      = aws_cloudwatch_event_rule.console_events[0].name
  target_id = "console-events-topic"
  arn       = aws_sns_topic.console_events[0].arn
}

# What no console could apply (after maxReceiveCount tries) waits here for a look.
resource "aws_sqs_queue" "console_events_dlq" {
  count = local.events_on ? 1 : 0

  name                      = "${local.events_name}-dlq"
  sqs_managed_sse_enabled   = local.use_kms ? null : true
  kms_master_key_id         = local.use_kms ? var.kms_key_arn : null
  message_retention_seconds = 4 * 24 * 3600

  tags = local.tags
}

resource "aws_sqs_queue" "console_events" {
  for_each = local.events_consumers

  name                    = "${local.events_name}-${each.key}"
  sqs_managed_sse_enabled = local.use_kms ? null : true
  kms_master_key_id       = local.use_kms ? var.kms_key_arn : null
  # A console that was closed for longer starts from its polls (the safety net), not
  # from a backlog of stale changes.
  message_retention_seconds  = var.console_events_retention_hours * 3600
  receive_wait_time_seconds  = 20
  visibility_timeout_seconds = 60
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.console_events_dlq[0].arn
    maxReceiveCount     = 5
  })

  tags = local.tags
}

# Only the topic (and so only the rule behind it) may send to a console's queue.
resource "aws_sqs_queue_policy" "console_events" {
  for_each = aws_sqs_queue.console_events

  queue_url = each.value.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "OnlyTheConsoleEventsTopic"
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = local.events_queue_arn[each.key]
      Condition = { ArnEquals = { "aws:SourceArn" = local.events_topic_arn } }
    }]
  })
}

resource "aws_sns_topic_subscription" "console_events" {
  for_each = aws_sqs_queue.console_events

  topic_arn = aws_sns_topic.console_events[0].arn
  protocol  = "sqs"
  endpoint  = each.value.arn
  # The message body is the EventBridge event itself (the console also reads the
  # wrapped form).
  raw_message_delivery = true
}

# Operators read and acknowledge their queue; nobody but the topic sends to it.
resource "aws_iam_policy" "console_events" {
  count = local.events_on ? 1 : 0

  name        = "${local.global_name}-smconsole-events"
  description = "smconsole: read and acknowledge the console events queues"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid      = "ReadConsoleEvents"
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
        Resource = [for name in sort(tolist(local.events_consumers)) : local.events_queue_arn[name]]
      }],
      [for key in compact([var.kms_key_arn]) : {
        Sid      = "DecryptConsoleEvents"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = key
      }],
    )
  })

  tags = local.tags
}
