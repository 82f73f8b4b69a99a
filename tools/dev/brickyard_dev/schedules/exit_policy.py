"""What each exit code of a job asks of a scheduler: retry it or not, and whom to alert.

One table, written once: every generated scheduler file follows it (cron, systemd and
Kubernetes retry exit 75 and nothing else; the Airflow task fails any other code without a
retry and names whom to alert), each file carries it as a comment, and the exit-code table
of packages/jobs/README.md is checked against it. The codes are BSD sysexits(3), as
`brickyard.core.ExitCode` defines them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EXIT_POLICY", "RETRYABLE_EXIT_CODE", "ExitPolicy", "policy_comment"]


@dataclass(frozen=True)
class ExitPolicy:
    code: int
    meaning: str
    retry: bool
    alert: str  # whom a failure with this code concerns


RETRYABLE_EXIT_CODE = 75

EXIT_POLICY: tuple[ExitPolicy, ...] = (
    ExitPolicy(
        1, "a bug or an unclassified error (the log has the traceback)", False, "developers"
    ),
    ExitPolicy(64, "bad command line", False, "the schedule's owner"),
    ExitPolicy(65, "unusable input data", False, "the data owner"),
    ExitPolicy(66, "an input is missing or unreadable", False, "the operator"),
    ExitPolicy(73, "an output cannot be created", False, "the operator"),
    ExitPolicy(74, "disk full or an I/O error", False, "the operator"),
    ExitPolicy(
        RETRYABLE_EXIT_CODE,
        "temporary: the data has not arrived, or the same run is on",
        True,
        "the operator",
    ),
    ExitPolicy(78, "bad configuration", False, "the configuration's owner"),
)
# Whatever else ends a job (killed by a signal, out of memory, over its time limit).
OTHER_FAILURE = ExitPolicy(-1, "killed, out of memory or over its time limit", False, "developers")


def policy_comment() -> list[str]:
    """The table as comment lines (without the comment marker), for every generated file."""
    width = max(len(policy.meaning) for policy in EXIT_POLICY)
    lines = ["Exit codes (packages/jobs/README.md): only 75 is retried."]
    for policy in (*EXIT_POLICY, OTHER_FAILURE):
        code = "other" if policy is OTHER_FAILURE else str(policy.code)
        action = "retry; when the retries run out, alert" if policy.retry else "alert"
        lines.append(f"  {code:>5}  {policy.meaning:<{width}}  {action} {policy.alert}")
    return lines
