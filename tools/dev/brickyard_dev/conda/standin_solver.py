"""A STAND-IN for conda's solver (not conda, mamba or micromamba): py-rattler, offline.

`conda-lock lock` needs a conda-compatible executable to solve the conda side, and none
installs on our machines (no conda, mamba or micromamba on PyPI, apt or npm; conda channels
unreachable). This module answers `--version` (which conda-lock logs) and the one command
conda-lock runs to solve,

    <exe> create --prefix P --dry-run --json --override-channels --channel C ... SPEC ...

(the target subdir in $CONDA_SUBDIR), by solving SPECs with py-rattler over local
repodata.json files and printing conda's dry-run JSON ({"actions": {"FETCH": [...],
"LINK": [...]}}), from which conda-lock writes the lockfile itself. Channels resolve as:

- `file://...` (conda-lock's virtual-package channel, test channels): read in place;
- any other name or URL: `$BRICKYARD_CONDA_CHANNELS/<name>/`, a local mirror of that
  channel's repodata (records.write_channel builds conda-forge's).

URLs, md5 and sha256 in the output are the records' own (rattler joins a mirror's
`info.base_url` with the file name), never computed here. Anything else it is asked exits 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlparse

import rattler

CHANNELS_VARIABLE = "BRICKYARD_CONDA_CHANNELS"
NAME = "brickyard-rattler-standin (not conda)"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:  # conda-lock logs it before locking
        print(NAME)
        return 0
    if args[:1] != ["create"] or "--dry-run" not in args or "--json" not in args:
        print(f"{NAME}: only `create --dry-run --json` is supported, got {args}", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog="standin")
    parser.add_argument("command")
    parser.add_argument("--prefix")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--override-channels", action="store_true")
    parser.add_argument("--channel", "-c", action="append", default=[])
    parser.add_argument("specs", nargs="*")
    options = parser.parse_intermixed_args(args)
    subdir = os.environ.get("CONDA_SUBDIR") or str(rattler.Platform.current())
    try:
        records = solve(options.specs, options.channel, subdir)
    except Exception as error:  # reported in conda's JSON error shape, which conda-lock prints
        print(json.dumps({"success": False, "message": f"{NAME}: {error}"}))
        return 1
    actions = [_action(r) for r in records]
    print(
        json.dumps(
            {"success": True, "dry_run": True, "actions": {"FETCH": actions, "LINK": actions}}
        )
    )
    return 0


def solve(
    specs: Sequence[str], channels: Sequence[str], subdir: str
) -> list[rattler.RepoDataRecord]:
    sources = []
    for channel in channels:
        directory = _channel_directory(channel)
        for sub in (subdir, "noarch"):
            repodata = directory / sub / "repodata.json"
            if repodata.is_file():
                sources.append(
                    rattler.SparseRepoData(rattler.Channel(directory.as_uri()), sub, repodata)
                )
    if not sources:
        raise RuntimeError(f"no repodata for {subdir} in channels {list(channels)}")
    # Virtual packages (__glibc, __osx, __win) are records of conda-lock's own channel.
    return asyncio.run(
        rattler.solve_with_sparse_repodata([rattler.MatchSpec(s) for s in specs], sources)
    )


def _channel_directory(channel: str) -> Path:
    if channel.startswith("file://"):
        return Path(unquote(urlparse(channel).path))
    root = os.environ.get(CHANNELS_VARIABLE)
    if not root:
        raise RuntimeError(f"channel {channel!r} needs ${CHANNELS_VARIABLE} (a local mirror)")
    name = channel.rstrip("/").rsplit("/", 1)[-1]
    return Path(root) / name


def _action(record: rattler.RepoDataRecord) -> dict[str, object]:
    """conda's record shape (repodata_record.json): name, version, build, url, md5, sha256,
    depends, fn, channel, subdir..., exactly as rattler read them."""
    action: dict[str, object] = json.loads(record.to_json())
    return action


if __name__ == "__main__":
    exit_code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # py-rattler's runtime threads can abort interpreter shutdown ("Fatal Python error:
    # PyGILState_Release ... finalizing"), turning a written answer into a failed command.
    # The answer is complete here, so skip the shutdown.
    os._exit(exit_code)
