{#
    How a quarantine model (base_<system>__<table>) is materialised, per engine.

    DuckDB: incremental by landed file (`delete+insert` on `record_id`). A build judges the rows
    of the files it has not judged yet, and re-judges only the old rows whose verdict those files
    (or a moved as_of) can change: rows whose id a new row repeats, rows whose referenced parent
    was accepted or lost in this build, rows whose own time is after as_of or was
    (check_landing_table). Every row of a re-judged id is re-read, so delete+insert by record_id
    replaces an id's rows as a whole. dbt's `microbatch` does not fit: it replaces the rows of the
    batches it runs and cannot re-judge a row of an older day (docs/decisions.md, issue 20).
    PostgreSQL and Spark: a table rebuilt from the loaded landing zone each build (Spark's Parquet
    tables cannot delete+insert; see ../shared/notes/engines.md).
#}
{% macro landing_model_config() -%}
    {{ return(adapter.dispatch('landing_model_config', 'privacy_warehouse')()) }}
{%- endmacro %}

{% macro default__landing_model_config() -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}

{% macro duckdb__landing_model_config() -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': 'record_id',
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}
