"""Hostile and broken input for every parser and validator: no unhandled exception, bad
values become one-line SmErrors, and what is shown stays inert (no escape sequences).

The budget per test is ``FUZZ_EXAMPLES`` (default 150 here, so the suite stays quick);
``bench/fuzz.py`` runs the same tests with 10,000 examples each and prints the figures.
"""

from __future__ import annotations

import json
import os
import string
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.errors import SmError

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Text as hostile as terminals and remote hosts get: escapes, controls, bidi, wide, NUL.
NASTY = st.sampled_from(
    [
        "\x1b[31m",
        "\x1b]52;c;ZXZpbA==\x07",
        "\x1b[2J",
        "\x00",
        "\r",
        "\x7f",
        "\u202e",
        "漢",
        "\t",
        "\x9b",
    ]
)
HOSTILE = st.lists(st.one_of(st.text(max_size=12), NASTY), max_size=12).map("".join)
CONTROL = {chr(c) for c in range(32) if chr(c) not in "\t"} | {"\x7f", "\x9b", "\x1b"}


def json_like() -> st.SearchStrategy[Any]:
    """JSON values shaped a little like Slurm's (strings, numbers, {set,number}, lists)."""
    leaf = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**40), max_value=2**40),
        st.floats(allow_nan=False, allow_infinity=False),
        HOSTILE,
        st.fixed_dictionaries(
            {"set": st.booleans(), "infinite": st.booleans(), "number": st.integers(-5, 10**9)}
        ),
    )
    keys = st.sampled_from(
        [
            "job_id", "name", "job_state", "user_name", "partition", "nodes", "state",
            "state_reason", "node_names", "tres_req_str", "start_time", "end_time", "time",
            "submit_time", "gres", "cpus", "hostname", "reason", "exit_code", "steps", "jobs",
            "meta", "errors", "plugin", "Slurm", "version", "openapi", "comment", "std_out",
        ]
    )  # fmt: skip
    return st.recursive(
        leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=6)
    )


def slurm_document() -> st.SearchStrategy[str]:
    """A squeue/sinfo/sacct document: sometimes valid JSON of the right shape, sometimes not."""
    shaped = st.fixed_dictionaries(
        {
            "meta": st.fixed_dictionaries(
                {"plugins": st.dictionaries(st.sampled_from(["data_parser"]), HOSTILE)}
            ),
            "jobs": st.lists(st.dictionaries(st.text(max_size=10), json_like()) | json_like()),
            "nodes": st.lists(json_like(), max_size=4),
        }
    ).map(json.dumps)
    return st.one_of(shaped, json_like().map(json.dumps), HOSTILE)


def assert_inert(value: Any) -> None:
    """No control characters anywhere in the strings of a parsed record."""
    if isinstance(value, str):
        assert not (set(value) & CONTROL), repr(value)
    elif isinstance(value, dict):
        for item in value.values():
            assert_inert(item)
    elif isinstance(value, list | tuple):
        for item in value:
            assert_inert(item)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            assert_inert(getattr(value, name))


def survives(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a parser: it may refuse with an SmError (one line), nothing else."""
    try:
        return fn(*args, **kwargs)
    except SmError as exc:
        assert "\n" not in exc.message and "Traceback" not in exc.message
        return None


# --- Slurm -------------------------------------------------------------------------------------


@FUZZ
@given(slurm_document())
def test_slurm_json_parsers(document: str) -> None:
    from console.slurm import parse

    for fn in (parse.parse_squeue_json, parse.parse_sinfo_json, parse.parse_sacct_json):
        survives(fn, document)


@FUZZ
@given(
    st.lists(
        st.one_of(HOSTILE, st.sampled_from(["|", "\n", "(null)", "N/A", "1-00:00:00"])), max_size=40
    ).map("".join)
)
def test_slurm_text_parsers(output: str) -> None:
    from console.slurm import parse

    for fn in (
        parse.parse_squeue_text,
        parse.parse_sinfo_text,
        parse.parse_sacct_text,
        parse.job_from_scontrol,
        parse.parse_partitions,
    ):
        survives(fn, output)


@FUZZ
@given(
    st.lists(
        st.one_of(
            HOSTILE,
            st.sampled_from([", ", "\n", "[N/A]", "[Not Supported]", "MIG 1g.10gb", "81559"]),
        ),
        max_size=40,
    ).map("".join)
)
def test_nvidia_smi_csv_and_probe_output(output: str) -> None:
    from console.slurm import gpu

    samples, _skipped = gpu.parse_gpu_csv(output, node="n1")
    for sample in samples:
        assert_inert(sample)
    survives(gpu.parse_probe, output, default_node="n1")
    for line in output.splitlines():
        survives(gpu.parse_xid_line, line, "n1")


@FUZZ
@given(
    st.integers(-3, 300),
    st.lists(
        st.one_of(HOSTILE, st.sampled_from(["TOKEN", "\n", "12345", ";cluster", "error: "])),
        max_size=12,
    ).map("".join),
)
def test_sbatch_wrapper_output(rc: int, stdout: str) -> None:
    from console.remote.base import Result
    from console.slurm.client import SlurmClient

    client = SlurmClient.__new__(SlurmClient)
    result = Result(rc, stdout, "")
    job_id = survives(client._parse_submission, result, "TOKEN")
    assert job_id is None or job_id.isdigit()


# --- logs, names, payloads -----------------------------------------------------------------------


@FUZZ
@given(HOSTILE, st.integers(0, 2**41))
def test_log_lines_are_shown_inert(message: str, timestamp: int) -> None:
    from console.services.logs import LogEvent
    from screens.logs.lines import lines_from_events

    event = LogEvent.from_api(
        {"timestamp": timestamp, "message": message, "ingestionTime": timestamp},
        stream="job/algo-1-1",
        host="algo-1",
    )
    for line in lines_from_events([event]):
        assert_inert(line.text)


@FUZZ
@given(HOSTILE)
def test_resource_names_and_payloads(text: str) -> None:
    from console import validate

    for check in (validate.name, validate.s3_uri, validate.instance_type, validate.role_arn):
        name = survives(check, text)
        assert name is None or not (set(name) & CONTROL)
    survives(validate.json_payload, text)
    survives(validate.key_values, [text], "--hp")


@FUZZ
@given(st.dictionaries(st.text(max_size=20), json_like(), max_size=6).map(json.dumps) | HOSTILE)
def test_terraform_outputs_json(text: str) -> None:
    from console.terraform import parse_outputs

    survives(parse_outputs, text)


# --- config and keymaps ---------------------------------------------------------------------------

TOML_PIECES = st.sampled_from(
    [
        'region = "eu-west-1"\n', "read_only = true\n", "[poll]\n", "jobs = 5\n", "jobs = -1\n",
        'jobs = "fast"\n', "[keymap]\n", '"jobs.stop" = "ctrl+x"\n', '"" = ""\n', "[ssh]\n",
        'transport = "telnet"\n', "port = 70000\n", "log_max_lines = 3\n", "[[x]]\n", "= =\n",
        'theme = "\x1b[31m"\n', "[buckets]\n", "input = 3\n", "unknown_key = 1\n",
    ]
)  # fmt: skip


@FUZZ
@given(st.lists(st.one_of(TOML_PIECES, HOSTILE), max_size=10).map("".join))
def test_config_files(tmp_path_factory: Any, text: str) -> None:
    from console.config import load_config

    path = Path(tmp_path_factory.mktemp("cfg")) / "config.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    config = survives(load_config, path, env={})
    if config is not None:
        assert isinstance(config.keymap, dict)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in config.keymap.items())


KNOWN_IDS = ("jobs.stop", "jobs.filter", "app.quit", "endpoints.delete", "logs.close")


@settings(max_examples=min(EXAMPLES, 15), deadline=None)
@given(
    st.dictionaries(
        st.one_of(st.sampled_from(KNOWN_IDS), st.text(string.ascii_letters + "._", max_size=20)),
        st.one_of(st.sampled_from(["ctrl+x", "f", "", ",", "ctrl+", "q,q"]), HOSTILE),
        max_size=4,
    )
)
def test_odd_keymaps_start_the_app_and_are_reported(keymap: dict[str, str]) -> None:
    """Whatever the [keymap] says, the app starts; unknown ids are named in a warning."""
    import asyncio

    from console.config import load_config
    from console.context import ConsoleContext
    from screens.app import create_app
    from screens.binding_owners import known_binding_ids

    async def run() -> list[str]:
        config = load_config(env={}, overrides={"endpoint_url": "http://127.0.0.1:9"})
        config.keymap = dict(keymap)
        app = create_app(ConsoleContext(config, source="tui"))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            return [n.message for n in app._notifications]

    messages = asyncio.run(run())
    unknown = sorted(set(keymap) - known_binding_ids())
    if unknown:
        assert any("unknown key binding id" in m for m in messages), messages


# --- config values: hostile numbers, strings for numbers, nested junk ------------------------

HOSTILE_VALUE = st.recursive(
    st.one_of(
        st.integers(min_value=-(2**63), max_value=2**63 - 1),
        st.sampled_from([0, -1, 1, 3600, 3601, 2**63 - 1, -(2**63)]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e308, 1e-308, -0.0, 0.0001]),
        st.booleans(),
        st.sampled_from(["1e999", "nan", "inf", "-5", "0x10", " 5 ", "1_0", "", "fast", "٣"]),
        HOSTILE,
    ),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)  # fmt: skip
POLL_KEYS = ("jobs", "logs", "gpus", "transitional", "max_backoff", "status")
TOP_KEYS = ("read_only", "log_max_lines", "connect_timeout", "read_timeout", "theme", "nope")
SSH_KEYS = ("port", "keepalive", "accept_new_host_keys", "transport")


def hostile_config() -> st.SearchStrategy[dict[str, Any]]:
    """A config table with known and unknown keys, every value possibly hostile."""
    return st.fixed_dictionaries(
        {},
        optional={
            **{key: HOSTILE_VALUE for key in TOP_KEYS},
            "poll": st.dictionaries(st.sampled_from(POLL_KEYS), HOSTILE_VALUE, max_size=3)
            | HOSTILE_VALUE,
            "ssh": st.dictionaries(st.sampled_from(SSH_KEYS), HOSTILE_VALUE, max_size=2),
            "keymap": st.dictionaries(
                st.sampled_from(KNOWN_IDS) | st.text(max_size=8), HOSTILE_VALUE, max_size=2
            ),
        },
    )


def check_loaded(config: Any) -> None:
    """What a config that loaded promises: every bound holds, every value is typed."""
    import math
    from dataclasses import fields

    from console.config import POLL_BOUNDS

    for item in fields(config.poll):
        value = getattr(config.poll, item.name)
        assert isinstance(value, float) and math.isfinite(value)
        assert POLL_BOUNDS[0] <= value <= POLL_BOUNDS[1]
    assert isinstance(config.log_max_lines, int) and 1_000 <= config.log_max_lines <= 5_000_000
    assert isinstance(config.read_only, bool)
    assert 0 < config.ssh.port < 65536 and isinstance(config.ssh.port, int)


@FUZZ
@given(hostile_config())
def test_config_loader_refuses_hostile_values_cleanly(
    tmp_path_factory: Any, data: dict[str, Any]
) -> None:
    import tomli_w

    from console.config import load_config

    path = Path(tmp_path_factory.mktemp("cfg")) / "config.toml"
    path.write_bytes(tomli_w.dumps(data).encode("utf-8", "surrogatepass"))
    config = survives(load_config, path, env={}, required=True)
    if config is not None:
        check_loaded(config)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(
            ["SMCONSOLE_POLL_JOBS", "SMCONSOLE_POLL_LOGS", "SMCONSOLE_LOG_MAX_LINES",
             "SMCONSOLE_SSH_PORT", "SMCONSOLE_READ_ONLY", "SMCONSOLE_CONNECT_TIMEOUT"]
        ),
        st.sampled_from(["1e999", "nan", "inf", "-inf", "0", "0.0001", "-5", "3601", "1e308"])
        | HOSTILE.filter(lambda text: "\x00" not in text),
        max_size=3,
    )
)  # fmt: skip
def test_config_environment_refuses_hostile_values_cleanly(env: dict[str, str]) -> None:
    from console.config import load_config

    config = survives(load_config, Path("/nonexistent"), env=env)
    if config is not None:
        check_loaded(config)


@settings(
    max_examples=min(EXAMPLES, 25),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(hostile_config())
def test_cli_with_a_hostile_config_exits_2_or_runs(
    tmp_path_factory: Any, run_cli: Any, data: dict[str, Any]
) -> None:
    """Through the real entry point: a clean exit 2 (error + hint lines) or the command
    runs (here refused by read-only mode, exit 3); never a traceback or internal error."""
    import tomli_w

    path = Path(tmp_path_factory.mktemp("cfg")) / "config.toml"
    path.write_bytes(tomli_w.dumps(data).encode("utf-8", "surrogatepass"))
    result = run_cli("--config", str(path), "--read-only", "training-stop", "job", "--yes")
    assert result.exit_code in (2, 3), (result.exit_code, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and all(line.startswith("hint: ") for line in lines[1:])
    assert len(lines) <= 2 and "Traceback" not in result.stderr + result.stdout
