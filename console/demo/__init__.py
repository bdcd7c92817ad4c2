"""The embedded demo: a realistic SageMaker account on loopback, for `smconsole demo`.

A newcomer sees a living console in one command with no AWS account: :class:`DemoStack`
runs moto's server in-process on 127.0.0.1, seeds it (:mod:`console.demo.seed`), fills the
calls moto lacks (:mod:`console.demo.moto_extras`), moves things over time
(:mod:`console.demo.simulator`) and builds a local MLflow store in the background
(:mod:`console.demo.mlflow_seed`). Nothing here is imported by the normal CLI path; moto
itself is imported only when a stack starts.
"""

from __future__ import annotations

from console.demo.stack import DemoStack

__all__ = ["DemoStack"]
