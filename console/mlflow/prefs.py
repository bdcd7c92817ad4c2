"""The runs-table column pick, saved per experiment in the config file.

Only the ``[mlflow_columns]`` table of the file is rewritten: saving the whole in-memory
config would also write values that came from the environment or flags (an
``AWS_ENDPOINT_URL`` of the moment) into the operator's file.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from pathlib import Path

from console.config import Config, default_config_path
from console.errors import ConfigError
from console.mlflow.columns import parse_columns


def save_columns(config: Config, experiment_id: str, columns: Sequence[str]) -> Path:
    """Remember ``columns`` for ``experiment_id`` (in memory and in the config file)."""
    import tomli_w

    spec = ",".join(parse_columns(columns)) if columns else ""
    path = Path(config.source) if config.source else default_config_path()
    data: dict[str, object] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot update the column choice: {exc}") from None
    table = data.get("mlflow_columns")
    picks: dict[str, str] = dict(table) if isinstance(table, dict) else {}
    if spec:
        picks[experiment_id] = spec
        config.mlflow_columns[experiment_id] = spec
    else:
        picks.pop(experiment_id, None)
        config.mlflow_columns.pop(experiment_id, None)
    data["mlflow_columns"] = picks
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        tomli_w.dump(data, handle)
    os.replace(tmp, path)
    return path
