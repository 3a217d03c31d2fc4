"""dbt-duckdb plugin: gives every connection the keyed-pseudonym function `pseudonym(purpose, value)`.

The key is read here, in Python, from the environment: it never appears in model SQL, so dbt
cannot write it into target/ (compiled SQL, manifest, run results) or logs/. Models call the
engine-neutral macro `pseudonymise()`, which on DuckDB calls this function.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb.sqltypes import VARCHAR

from privacy_warehouse.pseudonyms import _pseudonymiser, load_master_key

FUNCTION_NAME = "pseudonym"


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        # Fails fast (before any model runs) when the key is missing or short.
        master_key = load_master_key(
            key_env_var=plugin_config.get("key_env_var", "PSEUDONYMISATION_KEY"),
            key_file_env_var=plugin_config.get("key_file_env_var"),
            allow_key_file=bool(plugin_config.get("allow_key_file", False)),
        )
        self._compute = _pseudonymiser(master_key)

    def configure_connection(self, conn) -> None:
        conn.create_function(
            FUNCTION_NAME,
            self._compute,
            [VARCHAR, VARCHAR],
            VARCHAR,
            side_effects=False,
        )
