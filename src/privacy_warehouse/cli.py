"""Command-line entry point: `privacy-warehouse <subcommand>`.

Each subcommand lives in its own module and registers itself through `add_parser(subparsers)`;
this file only wires them together, so modules can be added without touching the others.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Modules that provide a subcommand: each exposes add_parser(subparsers) and sets `func`.
SUBCOMMAND_MODULES = [
    "privacy_warehouse.generate",
    "privacy_warehouse.publish",
    "privacy_warehouse.report",
    "privacy_warehouse.access_export",
    "privacy_warehouse.bench",
    "privacy_warehouse.load_postgres",
    "privacy_warehouse.load_spark",
    "privacy_warehouse.declarations",
    "privacy_warehouse.lineage",
    "privacy_warehouse.risk",
    "privacy_warehouse.dp_curve",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="privacy-warehouse", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue  # a subcommand not built yet
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
