"""dbt-duckdb plugin: gives every connection the HMAC pads of the purpose keys, as data, and the
landing-zone checks `landing_zone_views(raw_root, contract)` (landing_checks.py).

The key is read here, in Python, from the environment. For each purpose of the register
(seeds/policy/policy_purposes.csv) the plugin derives the purpose key and its two HMAC-SHA256
pads (src/privacy_warehouse/pseudonyms.py) and loads them, through bound parameters, into the
temporary table `temp.main.pseudonym_hmac_pads` of every connection dbt opens. The engine-neutral
macro `pseudonymise()` then computes HMAC-SHA256 with DuckDB's own `sha256()` over those pads
(as the Spark target does from `private.pseudonym_hmac_pads`): measured 4x faster than calling a
Python HMAC once per value (2 M values: 1.0 s against 4.0 s, see docs/performance.md).

The key and its pads never appear in SQL text, so dbt cannot write them into target/ (compiled
SQL, manifest, run results) or logs/; a temporary table lives in the connection's memory only,
never in the warehouse file.

The on-run-start hook (macros/landing/register_landing_zone.sql) calls `landing_zone_views`, so
the DuckDB build checks the landing zone with the same Python the PostgreSQL and Spark loaders
run: one implementation, the same messages.

dbt's commands that run no model's SQL (`dbt compile`, `dbt ls`, `dbt docs generate`, ...) get
no key and no pads: they need neither, and a new clone's first `dbt compile` should not ask for
a secret. This fails closed: a pseudonym computed without the pad table stops on the missing
table, it is never computed unkeyed.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.flags import get_flags
from duckdb.sqltypes import VARCHAR

from privacy_warehouse import landing_checks
from privacy_warehouse.pseudonyms import load_master_key, load_pad_table, purpose_pads

PURPOSES_CSV = Path("seeds") / "policy" / "policy_purposes.csv"

# dbt's commands (flags.WHICH) that compile, list or describe the project but run no model's SQL.
# `dbt show` is not one of them: it runs the model's SELECT, pseudonyms included.
COMMANDS_WITHOUT_PSEUDONYMS = frozenset({"compile", "list", "ls", "parse", "generate", "serve", "debug"})


def dbt_command() -> str | None:
    """The dbt command this process runs (`build`, `compile`, `generate` for docs generate ...)."""
    return getattr(get_flags(), "WHICH", None)


def read_purposes(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["purpose"] for row in csv.DictReader(handle)]


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self._pads = None
        if dbt_command() in COMMANDS_WITHOUT_PSEUDONYMS:
            return
        # Fails fast (before any model runs) when the key is missing or short.
        master_key = load_master_key(
            key_env_var=plugin_config.get("key_env_var", "PSEUDONYMISATION_KEY"),
            key_file_env_var=plugin_config.get("key_file_env_var"),
            allow_key_file=bool(plugin_config.get("allow_key_file", False)),
        )
        # dbt runs from the project root; the register's path may be given in the profile.
        purposes = read_purposes(Path(plugin_config.get("purposes_csv", PURPOSES_CSV)))
        self._pads = purpose_pads(master_key, purposes)

    def configure_connection(self, conn) -> None:
        if self._pads is not None:
            load_pad_table(conn, self._pads)
        # Reads the landing zone's files: not a constant to fold or cache.
        conn.create_function(
            landing_checks.FUNCTION_NAME,
            landing_checks.zone_views_json,
            [VARCHAR, VARCHAR],
            VARCHAR,
            side_effects=True,
        )

    def configure_cursor(self, cursor) -> None:
        # Every thread's cursor is a connection of its own: temporary tables are not shared.
        if self._pads is not None:
            load_pad_table(cursor, self._pads)
