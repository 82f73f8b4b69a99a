from pathlib import Path

import pytest

from brickyard_scaffold.errors import ScaffoldError
from brickyard_scaffold.workspace import (
    check_name,
    insert_layer,
    layering_call,
    load_workspace,
    write_layering,
)


def test_the_workspace_is_read_from_the_files_that_define_it(repo: Path) -> None:
    workspace = load_workspace(repo)
    assert workspace.namespace == "brickyard"
    assert workspace.layering.layers == ("ingest", "features", "models", "reporting", "jobs")
    assert "features" in workspace.libraries
    assert workspace.tools == {"pants-plugins", "release"}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Alerts", "invalid library name 'Alerts': use lowercase letters"),
        ("my-lib", "invalid library name 'my-lib'"),
        ("2fast", "invalid library name '2fast'"),
        ("_private", "invalid library name '_private'"),
        ("", "invalid library name ''"),
        ("class", "it is a Python keyword"),
        ("match", "it is a Python keyword"),
        (
            "features",
            "library 'features' exists already (packages/features/, distribution brickyard-features)",
        ),
        ("release", "'release' is taken by tools/release/"),
    ],
)
def test_names_that_cannot_be_libraries_are_refused(repo: Path, name: str, message: str) -> None:
    with pytest.raises(ScaffoldError) as error:
        check_name(load_workspace(repo), name)
    assert message in str(error.value)


def test_a_layer_without_a_library_is_refused(repo: Path) -> None:
    (repo / "BUILD").write_text('brickyard_layering(layers=["ingest", "ghost"])\n')
    with pytest.raises(ScaffoldError, match="'ghost' is a layer in BUILD already"):
        check_name(load_workspace(repo), "ghost")


def test_an_unknown_layer_is_refused_with_the_known_ones(repo: Path) -> None:
    with pytest.raises(ScaffoldError) as error:
        insert_layer(load_workspace(repo), "alerts", after="feature", before=None)
    assert str(error.value) == (
        "unknown layer 'feature'; the layers in BUILD, lowest first, are: "
        "ingest, features, models, reporting, jobs"
    )


def test_layers_go_after_before_or_on_top(repo: Path) -> None:
    workspace = load_workspace(repo)
    assert insert_layer(workspace, "x", after="features", before=None)[:3] == (
        "ingest",
        "features",
        "x",
    )
    assert insert_layer(workspace, "x", after=None, before="ingest")[0] == "x"
    assert insert_layer(workspace, "x", after=None, before=None)[-1] == "x"


def test_the_layering_call_is_rewritten_in_place_as_black_formats_it(repo: Path) -> None:
    workspace = load_workspace(repo)
    layers = insert_layer(workspace, "alerts", after="features", before=None)
    write_layering(workspace, layers)
    assert layers == ("ingest", "features", "alerts", "models", "reporting", "jobs")
    assert (repo / "BUILD").read_text() == (
        "# Layering of the lego libraries, lowest first.\n"
        + layering_call(workspace.layering.function, layers)
        + "\n"
    )
    assert load_workspace(repo).layering.layers == layers


def test_a_call_that_fits_stays_on_one_line_else_the_list_moves_to_its_own() -> None:
    assert layering_call("x_layering", ("a", "b")) == 'x_layering(layers=["a", "b"])'
    layers = ("ingest", "features", "alerts", "models", "reporting", "jobs", "extra")
    assert layering_call("x_layering", layers).splitlines() == [
        "x_layering(",
        '    layers=["ingest", "features", "alerts", "models", "reporting", "jobs", "extra"]',
        ")",
    ]


def test_long_layer_lists_are_exploded_one_per_line() -> None:
    layers = tuple(f"library_{i:02d}" for i in range(8))
    text = layering_call("brickyard_layering", layers)
    assert text.splitlines()[:3] == ["brickyard_layering(", "    layers=[", '        "library_00",']
    assert all(len(line) <= 88 for line in text.splitlines())
