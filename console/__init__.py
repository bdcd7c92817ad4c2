"""smconsole core: config, AWS services, typed records, audit and the CLI.

This package is headless on purpose: it never imports Textual (or ``screens`` /
``themes``) at module level, so the CLI starts fast and the core can be tested and
scripted without a terminal. ``tests/test_import_hygiene.py`` enforces this.
"""

from console.telemetry import telemetry_off

__version__ = "0.1.0"

# Before anything can import mlflow (console/telemetry.py says why).
telemetry_off()
