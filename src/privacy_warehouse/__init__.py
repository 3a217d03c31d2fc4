"""Tooling for the privacy-safe analytics warehouse (the dbt project lives beside this package)."""
