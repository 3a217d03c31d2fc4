"""dbt's artifacts, read in one place: `run_results.json` and `manifest.json` of a target folder,
the nodes in them, and the names of the relations those nodes built.

publish (the audit), validate (the tables to check) and the report (what ran and how it went) all
read the same two files; they read them through here, so a node's relation name, its meta and
the message for a missing artifact are one definition each. It imports only `sql.py` of the
package: everything that reads dbt's output sits above it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from privacy_warehouse.sql import quote_identifier

RUN_RESULTS = "run_results.json"
MANIFEST = "manifest.json"
PUBLISHED_SCHEMA = "bizdev"


class ArtifactError(RuntimeError):
    """An artifact is missing or cannot be read."""


def read_artifact(target_path: Path, name: str) -> dict:
    """One JSON artifact of a target folder (`run_results.json`, `manifest.json`)."""
    path = Path(target_path) / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"{path} does not exist: run `dbt build` first") from None
    except (OSError, json.JSONDecodeError) as error:
        raise ArtifactError(f"{path} cannot be read: {error}") from None


@dataclass
class Build:
    """dbt's run_results.json and manifest.json of one target folder."""

    target_path: Path
    run_results: dict
    manifest: dict

    @property
    def run_id(self) -> str:
        return self.run_results["metadata"]["invocation_id"]

    @property
    def args(self) -> dict:
        return self.run_results.get("args") or {}

    @property
    def build_vars(self) -> dict:
        build_vars = self.args.get("vars") or {}
        if isinstance(build_vars, str):  # older dbt wrote the --vars text
            import yaml

            build_vars = yaml.safe_load(build_vars) or {}
        return build_vars

    @property
    def as_of(self) -> str:
        """The build's evaluation date: var as_of, else the day (UTC) the build started."""
        if self.build_vars.get("as_of"):
            return str(self.build_vars["as_of"])
        return self.run_results["metadata"]["invocation_started_at"][:10]

    @property
    def project_dir(self) -> Path:
        return Path(self.args.get("project_dir") or os.getcwd())


def load_build(target_path: Path) -> Build:
    """Both artifacts of a target folder; ArtifactError when either is missing or unreadable."""
    target_path = Path(target_path)
    return Build(target_path, read_artifact(target_path, RUN_RESULTS),
                 read_artifact(target_path, MANIFEST))


# --------------------------------------------------------------------------------------------
# Nodes of the manifest
# --------------------------------------------------------------------------------------------


def node_meta(node: dict) -> dict:
    """A node's meta: `config.meta` (where dbt merges every level's meta), else `meta`."""
    return (node.get("config") or {}).get("meta") or node.get("meta") or {}


def node_access(node: dict) -> str | None:
    return node.get("access") or (node.get("config") or {}).get("access")


def node_by_name(manifest: dict, name: str,
                 resource_types: tuple[str, ...] = ("model", "seed")) -> dict | None:
    """The node called `name` among `resource_types`, or None."""
    for node in manifest["nodes"].values():
        if node["resource_type"] in resource_types and node["name"] == name:
            return node
    return None


def published_nodes(manifest: dict) -> list[dict]:
    """The models the manifest marks for analysts, sorted by schema and name: every enabled
    model with `access: public` in schema bizdev, plus any with `config.meta.publish: true`;
    `meta.publish: false` keeps one out (see privacy_warehouse.publish)."""
    nodes = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or not (node.get("config") or {}).get("enabled", True):
            continue
        opt = node_meta(node).get("publish")
        if opt is True or (opt is None and node_access(node) == "public"
                           and node["schema"] == PUBLISHED_SCHEMA):
            nodes.append(node)
    return sorted(nodes, key=lambda n: (n["schema"], relation_alias(n)))


# --------------------------------------------------------------------------------------------
# Relation names
# --------------------------------------------------------------------------------------------


def relation_alias(node: dict) -> str:
    """The table's name in its schema: a model's or seed's alias, a source's identifier, else
    the node's name."""
    return node.get("alias") or node.get("identifier") or node["name"]


def table_name(node: dict) -> str:
    """`schema.table`, as readers name a table (and as publication.json lists it)."""
    return f"{node['schema']}.{relation_alias(node)}"


def quoted_relation(node: dict, with_database: bool = False) -> str:
    """`"schema"."table"`, or `"database"."schema"."table"`, for SQL."""
    parts = [node["schema"], relation_alias(node)]
    if with_database:
        parts.insert(0, node["database"])
    return ".".join(quote_identifier(part) for part in parts)
