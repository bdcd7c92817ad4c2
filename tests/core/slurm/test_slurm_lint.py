"""The sbatch linter: each check, line numbers, and what it must not flag."""

from __future__ import annotations

from dataclasses import replace

from console.slurm.lint import lint, read_directives
from console.slurm.records import Partition


def partition(name: str, gpus: int, default: bool = False) -> Partition:
    return Partition(name, default, "UP", "n[1-4]", None, 4, 384, gpus_per_node=gpus)


PARTITIONS = [partition("dev", 8, default=True), partition("cpu", 0)]
GOOD = """#!/bin/bash
#SBATCH --job-name=train
#SBATCH --partition=dev
#SBATCH --nodes=2
#SBATCH --gres=gpu:8
#SBATCH --output=logs/%x-%j.out
srun --auto-resume=1 python train.py --checkpoint-dir /fsx/ckpt
"""


def codes(script: str, **kwargs: object) -> list[tuple[str, str, int]]:
    return [(i.severity, i.code, i.line) for i in lint(script, **kwargs)]  # type: ignore[arg-type]


def test_a_good_script_has_no_issues() -> None:
    assert codes(GOOD, partitions=PARTITIONS, hyperpod=True) == []


def test_each_warning() -> None:
    script = "#!/bin/bash\n#SBATCH -p dev\nsrun python train.py\n"
    assert codes(script, partitions=PARTITIONS, hyperpod=True) == [
        ("warning", "no-output", 0),
        ("warning", "no-checkpoint", 0),
        ("warning", "no-auto-resume", 3),
    ]
    # Not on HyperPod: auto-resume is not a thing there.
    assert ("warning", "no-auto-resume", 3) not in codes(script, partitions=PARTITIONS)
    no_srun = "#!/bin/bash\n#SBATCH -o out.log\npython train.py --ckpt x\n"
    assert codes(no_srun, hyperpod=True) == [("warning", "no-auto-resume", 0)]


def test_errors_come_first_with_their_lines() -> None:
    script = (
        "#!/bin/bash\n#SBATCH -o o.log\n#SBATCH -p gpuz\n#SBATCH --gpus-per-node=16\nx --ckpt y\n"
    )
    issues = lint(script, partitions=PARTITIONS)
    # Every finding: the partition is unknown, and no partition has nodes with 16 GPUs.
    assert [(i.code, i.line) for i in issues] == [("unknown-partition", 3), ("too-many-gpus", 4)]
    assert "known: cpu, dev" in issues[0].message
    assert "the nodes of any partition here have 8 GPU(s) per node" in issues[1].message
    too_many = "#!/bin/bash\n#SBATCH -o o.log\n#SBATCH --gpus-per-node=16\nx --ckpt y\n"
    (issue,) = lint(too_many, partitions=PARTITIONS)  # the default partition, dev: 8 GPUs
    assert (issue.severity, issue.code, issue.line) == ("error", "too-many-gpus", 3)
    assert "16 GPU(s) per node" in issue.message and "'dev' have 8" in issue.message
    on_cpu = "#!/bin/bash\n#SBATCH -o o.log -p cpu\n#SBATCH -G 1\nx --ckpt y\n"
    assert [i.message for i in lint(on_cpu, partitions=PARTITIONS)] == [
        "asks for 1 GPU(s) per node, but partition 'cpu' has no GPUs: it would pend forever"
    ]


def test_gpus_over_nodes_and_typed_gres() -> None:
    spread = "#!/bin/bash\n#SBATCH -o o -N 4 --gpus=32\nx --ckpt y\n"
    assert codes(spread, partitions=PARTITIONS) == []  # 8 per node
    typed = "#!/bin/bash\n#SBATCH -o o\n#SBATCH --gres=gpu:a100:9\nx --ckpt y\n"
    assert codes(typed, partitions=PARTITIONS) == [("error", "too-many-gpus", 3)]


def test_no_shebang_is_an_error() -> None:
    assert codes("#SBATCH -o x\necho hi --ckpt\n")[0] == ("error", "no-shebang", 1)
    assert codes("")[0] == ("error", "no-shebang", 1)


def test_directives_after_the_first_command_are_ignored_like_sbatch_does() -> None:
    script = "#!/bin/bash\n# a comment\n#SBATCH -J a\necho start\n#SBATCH --output=late.log\n"
    directives = read_directives(script)
    assert directives.options == {"job-name": "a"}
    assert ("warning", "no-output", 0) in codes(script)


def test_directive_forms() -> None:
    script = (
        "#!/bin/bash\n"
        "#SBATCH --output out.log   # trailing comment\n"
        "#SBATCH -pdev\n"
        "#SBATCH -J 'my job' --time=1:00:00\n"
    )
    options = read_directives(script).options
    assert options["output"] == "out.log"
    assert options["partition"] == "dev"
    assert options["job-name"] == "my job"
    assert options["time"] == "1:00:00"


def test_without_cluster_facts_partition_checks_are_skipped() -> None:
    script = "#!/bin/bash\n#SBATCH -o o -p anything --gres=gpu:99\nx --ckpt y\n"
    assert codes(script) == []


def test_huge_or_binary_scripts_are_refused() -> None:
    assert codes("#!/bin/bash\n" + "x" * (1024 * 1024 + 1))[0][1] == "too-large"
    assert codes("#!/bin/bash\n\x00\x01")[0][1] == "binary"


def test_templates_name_the_default_partition_or_none() -> None:
    """A template names the cluster's default partition; unknown, it names none (Slurm
    then picks its default) rather than a guess. Either way it lints clean."""
    from console.slurm.templates import TEMPLATES, render

    for template in TEMPLATES:
        known = render(template.key, partition="dev")
        assert read_directives(known).options["partition"] == "dev"
        unknown = render(template.key)
        assert "partition" not in read_directives(unknown).options
        assert "{partition}" not in unknown
        for text in (known, unknown):
            assert [i for i in lint(text, partitions=PARTITIONS, hyperpod=True)] == []


# --- fitting the live cluster's partitions ----------------------------------------------


def small(name: str = "debug", **limits: object) -> Partition:
    """The test cluster's shape: one node with 2 CPUs, ~23 GB and 4 GPUs."""
    base = Partition(name, True, "UP", "localhost", None, 1, 2, gpus_per_node=4)
    return replace(base, cpus_per_node=2, memory_per_node_mb=23593, **limits)  # type: ignore[arg-type]


FITS = "#!/bin/bash\n#SBATCH -o o.log\n{}x --ckpt y\n"


def fit_codes(directives: str, *partitions: Partition) -> list[tuple[str, int]]:
    script = FITS.format(directives)
    return [(i.code, i.line) for i in lint(script, partitions=partitions or [small()])]


def test_what_can_never_run_here_is_an_error() -> None:
    assert fit_codes("#SBATCH --cpus-per-task=4\n") == [("too-many-cpus", 3)]
    assert fit_codes("#SBATCH -c 1\n#SBATCH --ntasks-per-node=3\n") == [("too-many-cpus", 3)]
    assert fit_codes("#SBATCH -N 2\n") == [("too-many-nodes", 3)]
    assert fit_codes("#SBATCH --nodes=2-4\n") == [("too-many-nodes", 3)]
    assert fit_codes("#SBATCH --mem=64G\n") == [("too-much-memory", 3)]
    assert fit_codes("#SBATCH -c 2\n#SBATCH --mem-per-cpu=16G\n") == [("too-much-memory", 4)]
    assert fit_codes("#SBATCH --gres=gpu:5\n") == [("too-many-gpus", 3)]
    limited = small("gpu", max_time_minutes=60)
    assert fit_codes("#SBATCH -p gpu\n#SBATCH -t 2:00:00\n", limited) == [("time-limit", 4)]


def test_what_fits_is_not_flagged() -> None:
    fitting = "#SBATCH -N 1\n#SBATCH -c 2\n#SBATCH --mem=20G\n#SBATCH --gres=gpu:4\n#SBATCH -t 5\n"
    assert fit_codes(fitting) == []
    assert fit_codes("#SBATCH --mem=0\n") == []  # all of a node's memory: always fits
    assert fit_codes("#SBATCH -p gpu\n#SBATCH -t 30\n", small("gpu", max_time_minutes=60)) == []
    # The partition's own limits count too, not only its nodes.
    capped = small(max_cpus_per_node=1, max_nodes=1)
    assert fit_codes("#SBATCH -c 2\n", capped) == [("too-many-cpus", 3)]


def test_every_finding_is_reported_not_the_first() -> None:
    script = "#SBATCH -p gpu\n#SBATCH -N 2\n#SBATCH -c 4\n#SBATCH --mem=1T\n#SBATCH -t 90\n"
    issues = lint(FITS.format(script), partitions=[small("gpu", max_time_minutes=60)])
    assert [i.code for i in issues] == [
        "too-many-nodes",
        "too-many-cpus",
        "too-much-memory",
        "time-limit",
    ]
    assert issues[1].message == (
        "asks for 4 CPU(s) per node, but the nodes of partition 'gpu' have 2 CPU(s) per node: "
        "it would pend forever (PartitionConfig)"
    )
    assert "time limit of partition 'gpu' is 60 minute(s)" in issues[3].message


def test_a_log_directory_named_after_the_job_is_an_error() -> None:
    """Found in the #19 walkthrough: ``--output=run-%j/out.txt`` linted clean, the console
    could not make the directory before the job existed, and the job failed at launch
    with no log (and after MinJobAge with no reason either)."""
    script = (
        "#!/bin/bash\n#SBATCH --output=/home/a/run-%j/out.txt\n#SBATCH -e logs/%N/%x.err\n"
        "x --ckpt y\n"
    )
    assert codes(script) == [("error", "log-dir-per-job", 2), ("warning", "log-dir-per-node", 3)]
    [issue] = [i for i in lint(script) if i.line == 2]
    assert "(/home/a/run-%j) is named after the job id" in issue.message
    assert "JobLaunchFailure" in issue.message and "in the file name" in issue.message
    for fine in ("logs/%x-%j.out", "/home/%u/logs/%x/%A_%a.out", "out/100%%j/x.out", "o.out"):
        assert codes(f"#!/bin/bash\n#SBATCH -o {fine}\nx --ckpt y\n") == [], fine
