"""The Pipelines tab: pipelines -> executions -> steps -> the job a step ran."""
