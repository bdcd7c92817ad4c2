"""MLflow tracking and registry for the console: typed records, one service, one guard.

``mlflow`` costs ~2 s to import (pandas, pyarrow): nothing in this package imports it at
module level. The service imports it inside its methods, which the TUI only calls from
thread workers, so start-up never pays for it (``tests/test_import_hygiene.py``).
"""
