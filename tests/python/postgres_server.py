"""A real PostgreSQL server for the tests: initdb into a temporary folder, pg_ctl start on
127.0.0.1 and a free port, stopped and removed at the end. Never a mock.

The server binaries come from Debian's `postgresql` package (CI installs it, see .ci/run); their
folder may be named by POSTGRES_BIN_DIR. Missing binaries fail the tests with a message saying
so: a skipped engine would let the PostgreSQL half of the project rot unseen.

initdb refuses to run as root, so when the tests run as root the cluster belongs to the
`postgres` user (created by the package) and its commands run through `runuser`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "postgres"
DATABASE = "warehouse"
BUILD_ROLE = "warehouse_build"
# The roles of the project's grants (dbt_project.yml) and a password for each, test-only.
READER_ROLES = ("analyst", "marketing", "compliance")


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries are not installed."""


def find_bin_dir() -> Path:
    """The folder of initdb/pg_ctl: POSTGRES_BIN_DIR, else the newest /usr/lib/postgresql/*/bin."""
    named = os.environ.get("POSTGRES_BIN_DIR")
    candidates = [Path(named)] if named else sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True,
    )
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    on_path = None if named else shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found "
        f"(looked in {'POSTGRES_BIN_DIR=' + named if named else '/usr/lib/postgresql/*/bin and PATH'}). "
        "Install them: `apt-get install -y postgresql` (CI's .ci/run does), or set POSTGRES_BIN_DIR."
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresServer:
    """One throw-away cluster. `start()` returns once it accepts connections."""

    bin_dir: Path = field(default_factory=find_bin_dir)
    port: int = field(default_factory=free_port)
    superuser_password: str = "test-superuser-password"
    role_passwords: dict[str, str] = field(default_factory=lambda: {
        BUILD_ROLE: "test-build-password",
        **{role: f"test-{role}-password" for role in READER_ROLES},
    })

    host = "127.0.0.1"

    def __post_init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="pytest-postgres-"))
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.log_file = self.root / "postgres.log"
        self._as_root = os.geteuid() == 0
        self._owner = pwd.getpwnam(SUPERUSER) if self._as_root else None

    def _run(self, *command: str) -> subprocess.CompletedProcess:
        argv = [str(self.bin_dir / command[0]), *command[1:]]
        if self._as_root:
            argv = ["runuser", "-u", SUPERUSER, "--", *argv]
        completed = subprocess.run(argv, capture_output=True, text=True, check=False,
                                   env={**os.environ, "LC_ALL": "C.UTF-8"})
        if completed.returncode != 0:
            log = self.log_file.read_text(errors="replace")[-3000:] if self.log_file.exists() else ""
            raise RuntimeError(f"{' '.join(argv)} failed:\n{completed.stdout}\n{completed.stderr}\n{log}")
        return completed

    def start(self) -> PostgresServer:
        for folder in (self.data_dir, self.socket_dir):
            folder.mkdir(mode=0o700)
        if self._owner:
            for path in (self.root, self.data_dir, self.socket_dir):
                os.chown(path, self._owner.pw_uid, self._owner.pw_gid)
        password_file = self.root / "superuser-password"
        password_file.write_text(self.superuser_password)
        if self._owner:
            os.chown(password_file, self._owner.pw_uid, self._owner.pw_gid)
        # C.UTF-8: text sorts by code point, as DuckDB does, so min(), max() and ORDER BY agree.
        self._run("initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--pwfile", str(password_file),
                  "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8")
        password_file.unlink()
        options = (f"-c listen_addresses={self.host} -c port={self.port} "
                   f"-c unix_socket_directories={self.socket_dir} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-o", options, "-w", "start")
        self._create_roles_and_database()
        return self

    def stop(self) -> None:
        try:
            if (self.data_dir / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def connect(self, user: str = SUPERUSER, database: str = DATABASE, password: str | None = None):
        import psycopg2

        if password is None:
            password = self.superuser_password if user == SUPERUSER else self.role_passwords[user]
        return psycopg2.connect(host=self.host, port=self.port, user=user, password=password,
                                dbname=database, connect_timeout=10)

    def _create_roles_and_database(self) -> None:
        from psycopg2 import sql

        con = self.connect(database="postgres")
        con.autocommit = True
        with con.cursor() as cur:
            for role, password in self.role_passwords.items():
                cur.execute(sql.SQL("create role {} login password %s").format(sql.Identifier(role)),
                            [password])
        con.close()
        self.create_database(DATABASE)

    def create_database(self, name: str) -> None:
        """A database owned by the build role: it creates schemas and the pgcrypto extension (a
        trusted extension) there, and grants on what it builds. It is not a superuser."""
        from psycopg2 import sql

        con = self.connect(database="postgres")
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(sql.SQL("create database {} owner {} template template0 encoding 'UTF8'").format(
                sql.Identifier(name), sql.Identifier(BUILD_ROLE)))
        con.close()

    def env(self, user: str = BUILD_ROLE, database: str = DATABASE) -> dict[str, str]:
        """The libpq variables the `postgres` target, the loader and psql read."""
        return {
            "PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": user,
            "PGPASSWORD": self.role_passwords[user], "PGDATABASE": database,
        }
