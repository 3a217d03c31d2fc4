"""Pseudonyms drawn per release, and the release's private state (issue 18, item 3).

The warehouse keeps its stable keyed pseudonyms (HMAC-SHA256 under the purpose key,
privacy_warehouse.pseudonyms): joins, incremental builds and the privacy tests need them. An
analyst who keeps yesterday's release beside today's must not be able to match their rows, so
the *published copy* carries other keys: every pseudonym column of every published table (a
column whose YAML says `meta: {category: pseudonym}`; no list here) is re-drawn as

    release key = HMAC-SHA256(release salt, stable pseudonym)   (64 lowercase hex characters)

under a salt of 32 random bytes drawn for the release. Inside one release a stable pseudonym
always gets the same release key, so the tables join exactly as they do in the warehouse;
across two releases no key matches (a match would need the salt, or an HMAC collision).

**One salt per audited build.** The salt is drawn when a build is first published into a
PUBLISH_DIR and reused when that same build (the same dbt invocation, checked against the
warehouse's build ledger) is published there again: the same rows, so a retried publish is
byte-identical and links nothing new. A new build, even of the same data, draws a new salt.

**Kept privately, while its release is current.** The salt and the release's fingerprint
(privacy_warehouse.release_gate) live in the warehouse's private state:
`RELEASE_STATE_DIR` (default: `release-state/` beside DUCKDB_PATH), never in PUBLISH_DIR,
folders 0700 and files 0600, one folder per publication target (a hash of PUBLISH_DIR's path)
holding one folder per release and a symlink `current` to the release analysts read. With the
salt the controller can re-verify the published file (`verify_release_keys`: every published
key is the HMAC of a pseudonym of the warehouse's map). When the next release is published the
previous release's folder, salt included, is deleted: its files left PUBLISH_DIR at that moment
(privacy_warehouse.release_files), and a kept salt would only serve to link a copy someone kept
to the warehouse's rows (docs/decisions.md, "Issue 18 (releases)").

Nothing here logs a key, a salt or a pseudonym.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from privacy_warehouse.dbt_artifacts import quoted_relation, table_name
from privacy_warehouse.private_files import ensure_private_dir
from privacy_warehouse.pseudonyms import hmac_pads
from privacy_warehouse.sql import quote_identifier

STATE_DIR_ENV = "RELEASE_STATE_DIR"
DEFAULT_STATE_DIR = "release-state"  # beside the warehouse file
CURRENT = "current"
SALT_FILE = "salt"
RECORD_FILE = "release.json"
FINGERPRINT_FILE = "fingerprint.duckdb"
SALT_BYTES = 32
PAD_TABLE = "release_hmac_pads"  # connection-local: the pads never reach a database file


def pseudonym_columns(node: dict) -> list[str]:
    """The columns of a published table that hold a pseudonym, as its YAML declares them."""
    return [name for name, column in (node.get("columns") or {}).items()
            if (column.get("meta") or {}).get("category") == "pseudonym"]


def release_key(salt: bytes, stable_pseudonym: str) -> str:
    """What a stable pseudonym is published as under `salt` (the SQL below computes the same)."""
    return hmac.new(salt, stable_pseudonym.encode("utf-8"), hashlib.sha256).hexdigest()


def _release_key_sql(column: str) -> str:
    """HMAC-SHA256(salt, column) in DuckDB from the pads (RFC 2104), as macros/privacy/
    pseudonymise.sql does: SHA256(opad || SHA256(ipad || message)), lowercase hex."""
    return (f"sha256((select outer_pad from temp.main.{PAD_TABLE}) || "
            f"unhex(sha256((select inner_pad from temp.main.{PAD_TABLE}) || "
            f"encode({column}))))")


def _load_pads(con: duckdb.DuckDBPyConnection, salt: bytes) -> None:
    inner, outer = hmac_pads(salt)
    con.execute(f"create or replace temp table {PAD_TABLE} "
                "(inner_pad blob not null, outer_pad blob not null)")
    con.execute(f"insert into {PAD_TABLE} values (?, ?)", [inner, outer])  # bound, never SQL text


def redraw_pseudonyms(published_file: Path, nodes: list[dict], salt: bytes,
                      fresh: Path) -> dict[str, list]:
    """Copy `published_file` into the new file `fresh`, its pseudonym columns as release keys.

    A new file, not an UPDATE: DuckDB may keep an updated value's old bytes in a free block
    of the file, and a stable pseudonym found in the bytes of two releases would link them.
    And a new path: this process may still hold a DuckDB instance of the old file (Great
    Expectations' engine), which a connection to the same path would silently reuse.
    Returns the re-drawn columns per table."""
    published_file, fresh = Path(published_file), Path(fresh)
    fresh.parent.mkdir(parents=True, exist_ok=True)
    redrawn = {}
    con = duckdb.connect(str(fresh))
    try:
        _load_pads(con, salt)
        con.execute(f"attach '{published_file}' as stable (read_only)")
        declared = {table_name(node): set(pseudonym_columns(node)) for node in nodes}
        # Every table of the file is copied (tables other steps wrote too), in its order.
        for schema, table in con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "where database_name = 'stable' order by all").fetchall():
            relation = f"{quote_identifier(schema)}.{quote_identifier(table)}"
            keys = declared.get(f"{schema}.{table}", set())
            columns = [c for c, *_ in con.execute(f"describe stable.{relation}").fetchall()]
            select = ", ".join(
                f"{_release_key_sql(quote_identifier(c))} as {quote_identifier(c)}" if c in keys
                else quote_identifier(c) for c in columns)
            con.execute(f"create schema if not exists {quote_identifier(schema)}")
            con.execute(f"create table {relation} as select {select} from stable.{relation} "
                        "order by all")
            if f"{schema}.{table}" in declared:
                redrawn[f"{schema}.{table}"] = [c for c in columns if c in keys]
        con.execute("detach stable")
        con.execute(f"drop table temp.main.{PAD_TABLE}")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        fresh.unlink(missing_ok=True)
        raise
    con.close()
    return redrawn


# --------------------------------------------------------------------------------------------
# The private state: one folder per publication target, `current` names the live release
# --------------------------------------------------------------------------------------------


def state_root(warehouse_path: Path) -> Path:
    configured = os.environ.get(STATE_DIR_ENV)
    return Path(configured) if configured else Path(warehouse_path).parent / DEFAULT_STATE_DIR


def target_folder(warehouse_path: Path, publish_dir: Path) -> Path:
    """The state of the releases published into `publish_dir` (0700, created if needed)."""
    root = ensure_private_dir(state_root(warehouse_path))
    target = hashlib.sha256(str(Path(publish_dir).resolve()).encode("utf-8")).hexdigest()[:16]
    return ensure_private_dir(root / target)


@dataclass
class ReleaseState:
    """One release's private record: its run, salt and fingerprint file."""

    folder: Path
    run_id: str
    as_of: str | None
    salt: bytes = field(repr=False)

    @property
    def fingerprint(self) -> Path:
        return self.folder / FINGERPRINT_FILE

    @classmethod
    def read(cls, folder: Path) -> ReleaseState | None:
        try:
            record = json.loads((folder / RECORD_FILE).read_text("utf-8"))
            salt = bytes.fromhex((folder / SALT_FILE).read_text("ascii").strip())
        except (OSError, ValueError):
            return None
        return cls(folder, record["run_id"], record.get("as_of"), salt)


def published_run(publish_dir: Path) -> str | None:
    with contextlib.suppress(OSError, ValueError, KeyError):
        return json.loads((Path(publish_dir) / "publication.json").read_text("utf-8"))["run_id"]
    return None


def current_release(target: Path, publish_dir: Path) -> ReleaseState | None:
    """The release analysts read now, after tidying what an interrupted publish left.

    `current` is moved after the swap; a publish killed between the two leaves the new
    release's folder unnamed. PUBLISH_DIR/publication.json says which release is live: a
    folder of that run becomes current. Every other folder (refused or killed attempts, a
    superseded release, and so its salt) is deleted."""
    link = target / CURRENT
    current = ReleaseState.read(link.resolve()) if link.is_symlink() else None
    live_run = published_run(publish_dir)
    if live_run is not None and (current is None or current.run_id != live_run):
        for folder in sorted(target.iterdir()):
            candidate = ReleaseState.read(folder) if folder.is_dir() else None
            if candidate is not None and candidate.run_id == live_run \
                    and candidate.fingerprint.is_file():
                _point_current(target, folder)
                current = candidate
                break
    for folder in target.iterdir():
        if folder.is_dir() and not folder.is_symlink() and (
                current is None or folder.resolve() != current.folder.resolve()):
            shutil.rmtree(folder, ignore_errors=True)
    return current


def _point_current(target: Path, folder: Path) -> None:
    temporary = target / f".current-{uuid.uuid4().hex}"
    os.symlink(folder.name, temporary)
    os.replace(temporary, target / CURRENT)


def new_release_folder(target: Path, run_id: str, as_of: str | None, salt: bytes) -> Path:
    """A folder (0700) for a release being published, holding its salt and record (0600)."""
    folder = ensure_private_dir(target / f"{run_id}-{uuid.uuid4().hex[:8]}")
    salt_path = folder / SALT_FILE
    descriptor = os.open(salt_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(salt.hex())
    record = folder / RECORD_FILE
    record.write_text(json.dumps({
        "run_id": run_id, "as_of": as_of,
        "drawn_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }), "utf-8")
    os.chmod(record, 0o600)
    return folder


def commit_release(target: Path, folder: Path) -> None:
    """After the swap: `folder` is the live release; every other one, salt included, goes."""
    _point_current(target, folder)
    for other in target.iterdir():
        if other.is_dir() and not other.is_symlink() and other.resolve() != folder.resolve():
            shutil.rmtree(other, ignore_errors=True)


def salt_for(current: ReleaseState | None, run_id: str) -> bytes:
    """The live release's salt when the same build is published again, else a fresh one."""
    if current is not None and current.run_id == run_id:
        return current.salt
    return secrets.token_bytes(SALT_BYTES)


# --------------------------------------------------------------------------------------------
# Re-verification by the controller
# --------------------------------------------------------------------------------------------


def verify_release_keys(published_file: Path, warehouse_path: Path, nodes: list[dict],
                        salt: bytes, key_map: str = "private.int_bizdev_pseudonym_keys"
                        ) -> dict[str, int]:
    """Per table, how many published keys are NOT the release key of a pseudonym in the
    warehouse's map under `salt` (0 everywhere: the release is what the warehouse holds)."""
    unmatched = {}
    con = duckdb.connect(str(published_file), read_only=True)
    try:
        _load_pads(con, salt)
        database = quote_identifier(nodes[0]["database"])
        con.execute(f"attach '{warehouse_path}' as {database} (read_only)")
        con.execute(f"create temp table release_keys as select "
                    f"{_release_key_sql('pseudonym')} as release_key "
                    f"from {database}.{key_map}")
        catalog = quote_identifier(Path(published_file).stem)
        for node in nodes:
            for column in pseudonym_columns(node):
                unmatched[f"{table_name(node)}.{column}"] = con.execute(
                    f"select count(*) from {catalog}.{quoted_relation(node)} as published "
                    f"where published.{quote_identifier(column)} not in "
                    f"(select release_key from temp.main.release_keys)").fetchall()[0][0]
    finally:
        con.close()
    return unmatched
