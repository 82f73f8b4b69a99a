"""The git operations a release needs: tags, commits and diffs since a ref, commit and tag."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from brickyard_dev.errors import DevError
from brickyard_dev.release.versions import Commit

# Separators that cannot occur in commit messages typed by people.
_FIELD = "\x1f"
_RECORD = "\x1e"


class GitRepo:
    def __init__(self, root: Path) -> None:
        self.root = root

    def run(self, *args: str) -> str:
        try:
            completed = subprocess.run(
                ["git", *args],
                cwd=self.root,
                capture_output=True,
                text=True,
                check=False,
            )
        except FileNotFoundError:
            raise DevError("git is not installed or not on PATH") from None
        if completed.returncode != 0:
            raise DevError(
                f"`git {' '.join(args)}` failed in {self.root}: {completed.stderr.strip()}"
            )
        return completed.stdout

    def last_tag(self, pattern: str) -> str | None:
        """The nearest tag matching the glob `pattern` reachable from HEAD, if any."""
        completed = subprocess.run(
            ["git", "describe", "--tags", "--abbrev=0", f"--match={pattern}", "HEAD"],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=False,
        )
        # describe fails when no tag matches: that is a library never released.
        return completed.stdout.strip() or None

    def tag_exists(self, tag: str) -> bool:
        return bool(self.run("tag", "--list", tag).strip())

    def tags_at_head(self) -> list[str]:
        return self.run("tag", "--points-at", "HEAD").split()

    def resolve(self, ref: str) -> str | None:
        """The commit `ref` names, None if it names none."""
        completed = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=False,
        )
        return completed.stdout.strip() or None

    def changed_files(self, since: str) -> set[str]:
        """Files that differ between the commit `since` and HEAD (committed changes only)."""
        return set(self.run("diff", "--name-only", "--no-renames", since, "HEAD").splitlines())

    def commits(self, since: str | None, paths: Sequence[str]) -> list[Commit]:
        """Commits after `since` (all history if None) up to HEAD touching `paths`, newest first."""
        revisions = f"{since}..HEAD" if since else "HEAD"
        output = self.run(
            "log", f"--format=%H{_FIELD}%s{_FIELD}%b{_RECORD}", revisions, "--", *paths
        )
        commits = []
        for record in output.split(_RECORD):
            if not record.strip():
                continue
            sha, subject, body = record.strip("\n").split(_FIELD)
            commits.append(Commit(sha=sha, subject=subject, body=body.strip()))
        return commits

    def head_date(self) -> str:
        """HEAD's commit date (YYYY-MM-DD): a changelog date that depends only on the repo."""
        return self.run("show", "--no-patch", "--format=%cs", "HEAD").strip()

    def dirty_files(self) -> list[str]:
        """Tracked files with uncommitted changes (untracked files do not matter here)."""
        output = self.run("status", "--porcelain", "--untracked-files=no")
        return [line[3:] for line in output.splitlines() if line.strip()]

    def commit(self, paths: Sequence[str], message: str) -> str:
        self.run("add", "--", *paths)
        self.run("commit", "--quiet", "--message", message, "--", *paths)
        return self.run("rev-parse", "HEAD").strip()

    def tag(self, name: str, message: str) -> None:
        self.run("tag", "--annotate", name, "--message", message)
