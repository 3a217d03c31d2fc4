{#
    The name of the file a landing row arrived in, as the raw relation gives it. DuckDB's raw
    views carry it (`landed_file`, src/privacy_warehouse/landing_checks.py); the loaded tables of
    PostgreSQL and Spark do not, and their quarantine models are rebuilt whole (null there).
#}
{% macro landed_file_column() -%}
    {{ return(adapter.dispatch('landed_file_column', 'privacy_warehouse')()) }}
{%- endmacro %}

{% macro default__landed_file_column() -%}
    cast(null as {{ varchar_type() }})
{%- endmacro %}

{% macro duckdb__landed_file_column() -%}
    landed_file
{%- endmacro %}
