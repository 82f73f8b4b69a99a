"""Start, stop and inspect a shared build cache server for Pants on 127.0.0.1.

The server is BuildGrid (a REAPI implementation, from PyPI) in its own virtualenv
under ~/.cache/brickyard/buildgrid, installed from the hash-pinned
buildgrid-requirements.txt on first use. File contents go to <state dir>/cas on disk and
the action cache to a Redis server with append-only persistence in <state dir>/redis, so
cache hits survive a restart. Pid and log files live in the state dir too.

Usage: python3 tools/remote-cache/remote_cache.py start|stop|status|install
           [--state-dir DIR] [--port N] [--redis-port N] [--instance-name NAME]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from string import Template

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "buildgrid-requirements.txt"
CONFIG_TEMPLATE = HERE / "buildgrid.yml"
# BuildGrid 0.4.4, the newest release our machines can install, needs exactly CPython 3.11.
SERVER_PYTHON = (3, 11)
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 20.0


class CacheServerError(Exception):
    """Something the user can fix: the message says what and how."""


def cache_root() -> Path:
    explicit = os.environ.get("BRICKYARD_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "brickyard"


@dataclass(frozen=True)
class Settings:
    state_dir: Path
    port: int
    redis_port: int
    instance_name: str

    @property
    def address(self) -> str:
        return f"grpc://127.0.0.1:{self.port}"

    def pid_file(self, name: str) -> Path:
        return self.state_dir / f"{name}.pid"

    def log_file(self, name: str) -> Path:
        return self.state_dir / f"{name}.log"


def server_python() -> str:
    if sys.implementation.name == "cpython" and sys.version_info[:2] == SERVER_PYTHON:
        return sys.executable
    wanted = "python{}.{}".format(*SERVER_PYTHON)
    found = shutil.which(wanted)
    if not found:
        raise CacheServerError(
            f"BuildGrid 0.4.4 needs CPython {wanted[6:]} and none was found; install it "
            f"(e.g. `pyenv install 3.11`) or run this script with it."
        )
    return found


def ca_bundle() -> str | None:
    for candidate in (
        os.environ.get("PIP_CERT"),
        os.environ.get("SSL_CERT_FILE"),
        os.environ.get("REQUESTS_CA_BUNDLE"),
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/cert.pem",
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def install() -> Path:
    """Return the BuildGrid venv, creating it first if needed (idempotent, race-safe)."""
    python = server_python()
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version)"], capture_output=True, text=True, check=True
    ).stdout
    key = hashlib.sha256(REQUIREMENTS.read_bytes() + version.encode()).hexdigest()[:12]
    venv = cache_root() / "buildgrid" / f"0.4.4-{key}"
    if (venv / "bin" / "bgd").exists():
        return venv
    print(f"remote-cache: installing BuildGrid into {venv} (one-time, about a minute)", flush=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging.", dir=venv.parent))
    # Machine-wide pip configuration (global constraints) must not change the pins.
    env = dict(os.environ, PIP_CONFIG_FILE=os.devnull)
    bundle = ca_bundle()
    if bundle:
        env["PIP_CERT"] = bundle
    try:
        subprocess.run([python, "-m", "venv", str(staging)], check=True)
        subprocess.run(
            [
                *(str(staging / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-input"),
                *(
                    "--require-hashes",
                    "--no-deps",
                    "--progress-bar",
                    "off",
                    "-r",
                    str(REQUIREMENTS),
                ),
            ],
            check=True,
            env=env,
        )
    except subprocess.CalledProcessError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise CacheServerError(
            "installing BuildGrid failed (see pip's message above); check network access to "
            "the package index, PIP_INDEX_URL and the CA bundle."
        ) from error
    # Only `bin/python -m ...` is used, so the venv works after the rename; a concurrent
    # install that renamed first wins and this copy is dropped.
    try:
        staging.rename(venv)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
    return venv


def process_state(pid: int) -> tuple[str, str] | None:
    """(state, command line) of a live process, or None if it is gone or a zombie."""
    if Path("/proc/self").exists():  # Linux, where minimal images may lack `ps`
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            return None
    else:  # macOS
        ps = subprocess.run(
            ["ps", "-o", "stat=,command=", "-p", str(pid)], capture_output=True, text=True
        )
        state, _, command = ps.stdout.strip().partition(" ")
    return None if not state or state.startswith("Z") else (state, command)


def running_pid(settings: Settings, name: str, marker: str) -> int | None:
    """The pid in <name>.pid if that process is alive and is really ours (not a reused pid)."""
    try:
        pid = int(settings.pid_file(name).read_text())
    except (OSError, ValueError):
        return None
    found = process_state(pid)
    return pid if found and marker in found[1] else None


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def wait_for_port(process: subprocess.Popen[bytes], port: int, log: Path, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            raise CacheServerError(f"{what} exited with code {process.returncode}:\n{tail}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise CacheServerError(
        f"{what} did not listen on 127.0.0.1:{port} within {START_TIMEOUT_S:.0f} s; see {log}"
    )


def spawn(settings: Settings, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
    with settings.log_file(name).open("ab") as log:
        # Its own session: the server outlives this script and is stopped by process group.
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    settings.pid_file(name).write_text(f"{process.pid}\n")
    return process


def start(settings: Settings) -> None:
    if running_pid(settings, "buildgrid", "bgd"):
        saved = json.loads((settings.state_dir / "server.json").read_text())
        print(
            f"remote-cache: already running at {saved['address']} (state in {settings.state_dir})"
        )
        return
    redis_server = shutil.which("redis-server")
    if not redis_server:
        raise CacheServerError(
            "redis-server is not installed; install it (Debian: `apt-get install redis-server`, "
            "macOS: `brew install redis`) and retry."
        )
    for port in (settings.port, settings.redis_port):
        if port_in_use(port):
            raise CacheServerError(
                f"port {port} on 127.0.0.1 is in use; pick others with --port/--redis-port."
            )
    venv = install()
    (settings.state_dir / "redis").mkdir(parents=True, exist_ok=True)
    (settings.state_dir / "cas").mkdir(exist_ok=True)
    stop(settings, quiet=True)  # a Redis left behind by a failed start

    redis = spawn(
        settings,
        "redis",
        [
            *(redis_server, "--bind", "127.0.0.1", "--port", str(settings.redis_port)),
            *("--dir", str(settings.state_dir / "redis"), "--appendonly", "yes", "--save", ""),
            *("--protected-mode", "yes", "--daemonize", "no"),
        ],
    )
    try:
        wait_for_port(redis, settings.redis_port, settings.log_file("redis"), "redis-server")
        config = settings.state_dir / "buildgrid.yml"
        config.write_text(
            Template(CONFIG_TEMPLATE.read_text()).substitute(
                port=settings.port,
                redis_port=settings.redis_port,
                state_dir=settings.state_dir,
                instance_name=settings.instance_name,
            )
        )
        server = spawn(
            settings,
            "buildgrid",
            [
                str(venv / "bin" / "python"),
                str(venv / "bin" / "bgd"),
                "server",
                "start",
                str(config),
            ],
        )
        wait_for_port(server, settings.port, settings.log_file("buildgrid"), "BuildGrid")
    except BaseException:
        stop(settings, quiet=True)
        raise
    saved = dict(asdict(settings), state_dir=str(settings.state_dir), address=settings.address)
    (settings.state_dir / "server.json").write_text(json.dumps(saved, indent=2) + "\n")
    print(
        f"remote-cache: serving {settings.address} (instance name {settings.instance_name!r}), "
        f"state in {settings.state_dir}"
    )


def terminate(settings: Settings, name: str, marker: str) -> bool:
    pid = running_pid(settings, name, marker)
    settings.pid_file(name).unlink(missing_ok=True)
    if pid is None:
        return False
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process_state(pid) is None:
            return True
        time.sleep(0.1)
    print(
        f"remote-cache: {name} ignored SIGTERM for {STOP_TIMEOUT_S:.0f} s; killing it",
        file=sys.stderr,
    )
    os.killpg(pid, signal.SIGKILL)
    return True


def stop(settings: Settings, quiet: bool = False) -> None:
    # BuildGrid first, so it never sees its action cache disappear; Redis then writes its
    # append-only file on SIGTERM.
    stopped = [
        name
        for name, marker in (("buildgrid", "bgd"), ("redis", "redis-server"))
        if terminate(settings, name, marker)
    ]
    if not quiet:
        print(
            f"remote-cache: stopped {', '.join(stopped)}"
            if stopped
            else "remote-cache: not running"
        )


def status(settings: Settings) -> int:
    server = running_pid(settings, "buildgrid", "bgd")
    redis = running_pid(settings, "redis", "redis-server")
    if server and redis:
        saved = json.loads((settings.state_dir / "server.json").read_text())
        print(
            f"remote-cache: running at {saved['address']} (instance name {saved['instance_name']!r}), state in {settings.state_dir}"
        )
        return 0
    print(
        f"remote-cache: not running (BuildGrid {'up' if server else 'down'}, Redis {'up' if redis else 'down'}), state in {settings.state_dir}"
    )
    return 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["start", "stop", "status", "install"])
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path(os.environ.get("BRICKYARD_REMOTE_CACHE_DIR") or cache_root() / "remote-cache"),
        help="cache contents, pid and log files (default: ~/.cache/brickyard/remote-cache, or $BRICKYARD_REMOTE_CACHE_DIR)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("BRICKYARD_REMOTE_CACHE_PORT") or 50051),
        help="gRPC port on 127.0.0.1 (default: 50051, or $BRICKYARD_REMOTE_CACHE_PORT)",
    )
    parser.add_argument(
        "--redis-port", type=int, help="Redis port on 127.0.0.1 (default: --port + 1)"
    )
    parser.add_argument(
        "--instance-name", default="", help="REAPI instance name served (default: empty)"
    )
    args = parser.parse_args(argv)
    settings = Settings(
        state_dir=args.state_dir.resolve(),
        port=args.port,
        redis_port=args.redis_port or args.port + 1,
        instance_name=args.instance_name,
    )
    try:
        if args.command == "install":
            print(f"remote-cache: BuildGrid installed in {install()}")
        elif args.command == "start":
            settings.state_dir.mkdir(parents=True, exist_ok=True)
            start(settings)
        elif args.command == "stop":
            stop(settings)
        else:
            return status(settings)
    except CacheServerError as error:
        print(f"remote-cache: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
