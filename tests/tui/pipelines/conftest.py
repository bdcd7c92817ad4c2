"""The Pipelines screens' tests use the service tests' moto with the demo's pipeline
extras (ListPipelineExecutionSteps, Stop/RetryPipelineExecution)."""

from tests.core.services.test_pipelines import extras  # noqa: F401  (a fixture)
