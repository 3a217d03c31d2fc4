"""Personal data as the project declares it: the shapes a value about a person takes, and k.

dbt_project.yml declares both once, as vars (`personal_data_shapes`, `k_anonymity`); dbt's tests
read them there, and the Python side reads them here: validation (no published value may have a
shape), the evidence scrubber and publish's messages (shapes are redacted), the report (k). A
build's --vars win over the file, as they do in dbt.

Below validate, publish and the report, so none of them imports another to learn the shapes.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from privacy_warehouse.dbt_artifacts import Build

PROJECT_FILE = "dbt_project.yml"
# RE2 flag: `.` matches a line break too, so a shape is found on any line of a value.
DOT_MATCHES_NEWLINE = "(?s)"


class ProjectVarsError(RuntimeError):
    """dbt_project.yml does not declare what the Python side needs."""


def project_vars(project_dir: Path, build_vars: dict | None = None) -> dict:
    """The vars of dbt_project.yml, with the build's --vars winning."""
    project = yaml.safe_load((Path(project_dir) / PROJECT_FILE).read_text("utf-8"))
    return {**(project.get("vars") or {}), **(build_vars or {})}


def personal_data_shapes(variables: dict) -> dict[str, str]:
    """Var `personal_data_shapes`: name -> regular expression (what a personal value looks like)."""
    declared = variables.get("personal_data_shapes")
    if not declared:
        raise ProjectVarsError(f"{PROJECT_FILE} declares no vars.personal_data_shapes")
    return dict(declared)


def k_anonymity(variables: dict) -> int:
    """Var `k_anonymity`: no published group or cell describes fewer people."""
    return int(variables.get("k_anonymity", 5))


def shapes_of_build(build: Build) -> dict[str, str]:
    """The shapes a build ran with, for scrubbing its messages; {} when they cannot be read."""
    try:
        return personal_data_shapes(project_vars(build.project_dir, build.build_vars))
    except (OSError, ProjectVarsError):
        return {}


def redact(text: str | None, shapes: dict[str, str]) -> str | None:
    """Replace anything with a personal-data shape in a message by `[redacted]`.

    RE2 (google-re2), not Python's `re`: messages can quote landed values of any length, and the
    shapes backtrack for minutes in `re` on a few thousand characters."""
    import re2

    if not text:
        return text
    for shape in shapes.values():
        core = shape.removeprefix(".*").removesuffix(".*")
        text = re2.sub(DOT_MATCHES_NEWLINE + core, "[redacted]", text)
    return text
