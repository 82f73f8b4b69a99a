"""Writes a synthetic monorepo: N libraries of one shape, their tests, and the Pants set-up.

The Pants side is Brickyard's own: the same `./pants` launcher and pinned Pants
requirements (so it bootstraps offline from the same caches), and a pants.toml built from
the settings of ours that matter for tests (versions, interpreter, pip isolation, pytest
from a lockfile). Libraries are pure Python with pytest as the only third-party
requirement; the lockfile for it ships with this tool.

By default every test is trivial arithmetic, which makes a whole plain-pytest run nearly
free: the worst case for an incremental runner, whose fixed cost per run is then most of
what it spends. Real test files do real work (Brickyard's own library test files take a
median of 1.69 s each), so `test_seconds` gives each library a pure-Python `workload(n)`
and a fourth test that checks it, with `n` calibrated here so that one library's tests
take about that many seconds on this machine.
"""

from __future__ import annotations

import json
import math
import shutil
import statistics
import subprocess
import time
import tomllib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from brickyard_monorepo.errors import GenerateError
from brickyard_monorepo.graph import SyntheticLibrary, build_graph

NAMESPACE = "gen"
MODULUS = 1_000_003
PYTEST_REQUIREMENT = "pytest>=9,<10"
# How long each timing of the workload's loop runs while calibrating it, and how many
# timings are taken: long and many enough that a busy moment does not skew the median.
CALIBRATION_SECONDS = 0.2
CALIBRATION_TIMINGS = 5

PANTS_TOML = Template("""\
# A synthetic monorepo written by tools/monorepo in Brickyard ($libraries libraries).
[GLOBAL]
pants_version = "$pants_version"
backend_packages = ["pants.backend.python"]

[source]
root_patterns = ["/libs/*/src", "/libs/*/tests"]

[python]
interpreter_constraints = $interpreter_constraints
enable_resolves = true
default_resolve = "python-default"
pip_version = "$pip_version"

[python.resolves]
python-default = "lockfiles/python-default.lock"

[python-bootstrap]
search_path = ["<PATH>", "<PYENV>"]

[python-infer]
use_rust_parser = true
unowned_dependency_behavior = "error"

[subprocess-environment]
env_vars = $subprocess_env_vars

[test]
extra_env_vars = $test_env_vars

[pytest]
install_from_resolve = "python-default"
args = $pytest_args

[anonymous-telemetry]
enabled = false
""")

MODULE = Template('''\
"""$name, layer $layer of the synthetic monorepo.$uses_doc"""

${imports}NAME = "$name"
FACTOR = $factor
OFFSET = $offset
MODULUS = $modulus


def value(x: int) -> int:
    """A number that depends on this library and on every library it uses."""
    return (x * FACTOR + OFFSET$value_terms) % MODULUS


def lineage() -> frozenset[str]:
    """This library and every library it uses, directly or not."""
    return frozenset({NAME})$lineage_terms


def checksum(text: str) -> int:
    """A checksum of `text`, salted by this library."""
    total = OFFSET
    for position, char in enumerate(text):
        total = (total * 31 + ord(char) * (position + FACTOR)) % MODULUS
    return total
$workload''')

# Real CPU work with an exact answer: the generator knows the sum in closed form (see
# _Model.workload), so the test checks every iteration without the generator running it.
# The running total stays below MODULUS so every iteration costs the same, and a short
# calibration run predicts a long one.
WORKLOAD = '''\
def workload(n: int) -> int:
    """The sum of (FACTOR * i + OFFSET) * i over range(n) modulo MODULUS, term by term."""
    factor, offset, modulus = FACTOR, OFFSET, MODULUS
    total = 0
    for i in range(n):
        total = (total + (factor * i + offset) * i) % modulus
    return total
'''

TESTS = Template("""\
from $namespace.$name import core


def test_value_combines_the_libraries_it_uses() -> None:
    assert core.value(0) == $value_0
    assert core.value(12345) == $value_1


def test_lineage_names_every_library_below() -> None:
    assert core.lineage() == frozenset($lineage)


def test_checksum_is_salted_and_order_sensitive() -> None:
    assert core.checksum("brick") == $checksum_0
    assert core.checksum("kcirb") == $checksum_1
$workload_test""")

WORKLOAD_TEST = Template("""\


def test_workload_sums_every_term() -> None:
    # About $seconds s of work on the machine that generated it.
    assert core.workload($iterations) == $total
""")


def _factor(lib: SyntheticLibrary) -> int:
    return lib.index + 2


def _offset(lib: SyntheticLibrary) -> int:
    return lib.index * 7 + 1


class _Model:
    """The generated code's semantics, computed here so the tests assert real values."""

    def __init__(self, graph: list[SyntheticLibrary]) -> None:
        self.by_name = {lib.name: lib for lib in graph}
        self._values: dict[tuple[str, int], int] = {}

    def value(self, name: str, x: int) -> int:
        key = (name, x)
        if key not in self._values:
            lib = self.by_name[name]
            total = x * _factor(lib) + _offset(lib) + sum(self.value(u, x) for u in lib.uses)
            self._values[key] = total % MODULUS
        return self._values[key]

    def lineage(self, name: str) -> frozenset[str]:
        lib = self.by_name[name]
        return frozenset({name}).union(*(self.lineage(u) for u in lib.uses))

    def checksum(self, name: str, text: str) -> int:
        lib = self.by_name[name]
        total = _offset(lib)
        for position, char in enumerate(text):
            total = (total * 31 + ord(char) * (position + _factor(lib))) % MODULUS
        return total

    def workload(self, name: str, n: int) -> int:
        """WORKLOAD's loop in closed form: FACTOR * sum(i * i) + OFFSET * sum(i), i < n."""
        lib = self.by_name[name]
        exact = _factor(lib) * (n - 1) * n * (2 * n - 1) // 6 + _offset(lib) * n * (n - 1) // 2
        return exact % MODULUS


def workload_iterations(seconds: float) -> int:
    """How many iterations of WORKLOAD's loop take about `seconds` on this machine."""
    # The very text the libraries get, so the timing is of the same code, with the
    # constants of a library in the middle of a 200-library repository.
    namespace: dict[str, Any] = {"FACTOR": 101, "OFFSET": 701, "MODULUS": MODULUS}
    exec(WORKLOAD, namespace)
    workload: Callable[[int], int] = namespace["workload"]
    n = 1_000
    while (elapsed := _time(workload, n)) < CALIBRATION_SECONDS:
        n *= 2
    typical = statistics.median(
        [elapsed, *(_time(workload, n) for _ in range(CALIBRATION_TIMINGS - 1))]
    )
    return max(1, round(seconds * n / typical))


def _time(workload: Callable[[int], int], n: int) -> float:
    start = time.perf_counter()
    workload(n)
    return time.perf_counter() - start


def _module(lib: SyntheticLibrary, *, workload: bool) -> str:
    imports = "".join(f"from {NAMESPACE}.{u} import core as {u}\n" for u in lib.uses)
    return MODULE.substitute(
        name=lib.name,
        layer=lib.layer,
        uses_doc=f" Uses {', '.join(lib.uses)}." if lib.uses else "",
        imports=imports + ("\n" if imports else ""),
        factor=_factor(lib),
        offset=_offset(lib),
        modulus=f"{MODULUS:_}",
        value_terms="".join(f" + {u}.value(x)" for u in lib.uses),
        lineage_terms="".join(f" | {u}.lineage()" for u in lib.uses),
        workload="\n\n" + WORKLOAD if workload else "",
    )


def _tests(lib: SyntheticLibrary, model: _Model, *, seconds: float, iterations: int) -> str:
    workload_test = (
        WORKLOAD_TEST.substitute(
            seconds=f"{seconds:g}",
            iterations=f"{iterations:_}",
            total=model.workload(lib.name, iterations),
        )
        if iterations
        else ""
    )
    lineage = ", ".join(f'"{n}"' for n in sorted(model.lineage(lib.name)))
    return TESTS.substitute(
        namespace=NAMESPACE,
        name=lib.name,
        value_0=model.value(lib.name, 0),
        value_1=model.value(lib.name, 12345),
        lineage="{" + lineage + "}",
        checksum_0=model.checksum(lib.name, "brick"),
        checksum_1=model.checksum(lib.name, "kcirb"),
        workload_test=workload_test,
    )


def _pants_toml(source_repo: Path, libraries: int) -> str:
    config = tomllib.loads((source_repo / "pants.toml").read_text())
    return PANTS_TOML.substitute(
        libraries=libraries,
        pants_version=config["GLOBAL"]["pants_version"],
        interpreter_constraints=json.dumps(config["python"]["interpreter_constraints"]),
        pip_version=config["python"]["pip_version"],
        subprocess_env_vars=json.dumps(config["subprocess-environment"]["env_vars"]),
        test_env_vars=json.dumps(config["test"]["extra_env_vars"]),
        pytest_args=json.dumps(config["pytest"]["args"]),
    )


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def generated_test_files(target: Path, graph: list[SyntheticLibrary]) -> list[Path]:
    """The test files of the generated libraries, for running them without Pants."""
    return [target / _test_path(lib) for lib in graph]


def _test_path(lib: SyntheticLibrary) -> str:
    return f"libs/{lib.name}/tests/{NAMESPACE}/{lib.name}/test_{lib.name}.py"


def source_file(lib: SyntheticLibrary) -> str:
    """The module of `lib`, relative to the generated repository's root."""
    return f"libs/{lib.name}/src/{NAMESPACE}/{lib.name}/core.py"


def generate(
    target: Path,
    libraries: int,
    source_repo: Path,
    *,
    seed: int = 8,
    git: bool = True,
    test_seconds: float = 0.0,
    test_iterations: int | None = None,
) -> list[SyntheticLibrary]:
    """Writes the monorepo into `target` (which must not exist or be empty).

    `test_seconds` > 0 gives each library a test that does about that much work; 0 keeps
    the trivial tests only. `test_iterations` fixes the work's loop length instead of
    calibrating it here, so that repositories of different sizes carry the same work.
    """
    if libraries < 1:
        raise GenerateError(f"--libraries must be at least 1, got {libraries}")
    if not math.isfinite(test_seconds) or test_seconds < 0:
        raise GenerateError(
            f"--test-seconds must be a finite number of seconds >= 0, got {test_seconds}; "
            "use 0 for trivial tests"
        )
    if target.exists() and any(target.iterdir()):
        raise GenerateError(f"{target} exists and is not empty; choose a new directory")
    for needed in ("pants", "pants.toml", "tools/bootstrap/pants-requirements.txt"):
        if not (source_repo / needed).is_file():
            raise GenerateError(
                f"{source_repo} has no {needed}; pass --source-repo with Brickyard's root"
            )
    graph = build_graph(libraries, seed)
    model = _Model(graph)
    if test_iterations is not None and (test_iterations < 1 or test_seconds <= 0):
        raise GenerateError(
            f"--test-iterations must be at least 1 and go with --test-seconds > 0, got "
            f"{test_iterations} iterations for {test_seconds} s"
        )
    iterations = 0
    if test_seconds > 0:
        iterations = test_iterations or workload_iterations(test_seconds)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source_repo / "pants", target / "pants")
    _write(
        target / "tools/bootstrap/pants-requirements.txt",
        (source_repo / "tools/bootstrap/pants-requirements.txt").read_text(),
    )
    _write(target / "pants.toml", _pants_toml(source_repo, libraries))
    _write(target / ".gitignore", ".pants.d/\n.pants.bootstrap.toml\n.pids/\ndist/\n__pycache__/\n")
    _write(target / "lockfiles/python-default.txt", PYTEST_REQUIREMENT + "\n")
    lock = resources.files("brickyard_monorepo").joinpath("python-default.lock")
    _write(target / "lockfiles/python-default.lock", lock.read_text())
    _write(
        target / "lockfiles/BUILD",
        "# pytest, the only third-party requirement.\n"
        'python_requirements(name="python-default", source="python-default.txt")\n',
    )
    for lib in graph:
        src = target / f"libs/{lib.name}/src/{NAMESPACE}/{lib.name}"
        _write(src / "BUILD", f"# {lib.name}: layer {lib.layer}.\npython_sources()\n")
        _write(src / "__init__.py", "")
        _write(target / source_file(lib), _module(lib, workload=bool(iterations)))
        tests = target / _test_path(lib)
        _write(tests.parent / "BUILD", f"# Tests of {lib.name}.\npython_tests()\n")
        _write(tests, _tests(lib, model, seconds=test_seconds, iterations=iterations))
    if git:
        _git(target, "init", "--quiet", "--initial-branch=main")
        _git(target, "add", "--all")
        _git(target, "commit", "--quiet", "--message", f"{libraries} synthetic libraries")
    return graph


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=monorepo generator",
            "-c",
            "user.email=monorepo@example.invalid",
            *args,
        ],
        cwd=cwd,
        check=True,
    )
