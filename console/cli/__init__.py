"""The ``smconsole`` command line: every seed ``script.sh`` command plus the TUI's actions."""
