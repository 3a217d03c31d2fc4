{#
    Exposes the landing zone ($RAW_DATA_DIR/<system>/<table>/*.parquet) as views in schema `raw`,
    after checking every file against the contract declared in models/staging/_staging__sources.yml.

    Why a hook and not dbt-duckdb's `external_location`: the contract asks for an error that names
    the file and the column, and for optional tables that may be absent. An external location can
    do neither: DuckDB's own error for a missing column names neither, and a missing folder fails.
    Dispatched: on PostgreSQL and Spark the landing zone is loaded as tables by their own loaders.

    Only the commands that read the landing zone check it: `dbt seed` loads the register's CSVs
    and reads no source, so it runs on a warehouse whose landing zone is absent or not yet loaded.
    (`dbt compile`, `ls`, `show` and `docs generate` run no on-run-start hook at all.)
#}
{% macro register_landing_zone() -%}
    {%- if flags.WHICH in ['seed'] -%}{{ return('select 1') }}{%- endif -%}
    {{ return(adapter.dispatch('register_landing_zone', 'privacy_warehouse')()) }}
{%- endmacro %}

{% macro default__register_landing_zone() -%}
    {# Engines other than DuckDB get the landing zone loaded as tables in `raw` by a loader. #}
    select 1
{%- endmacro %}

{#
    PostgreSQL: `privacy-warehouse load-postgres` has checked the files against the same contract
    and loaded them into `raw` (src/privacy_warehouse/load_postgres.py). Here only a missing table
    stops the build, naming the loader, before any model reads an absent relation.
#}
{% macro postgres__register_landing_zone() -%}
    {%- if not execute -%}{{ return('select 1') }}{%- endif -%}
    {%- set loaded = run_query("select table_name from information_schema.tables where table_schema = 'raw'").columns[0].values() -%}
    {%- for source in graph.sources.values() if source.schema == 'raw' and source.name not in loaded -%}
        {{ exceptions.raise_compiler_error(
            "Landing zone: table raw." ~ source.name ~ " (" ~ source.source_name ~ "." ~ source.name ~ ") is not loaded: "
            ~ "run `privacy-warehouse load-postgres` (reads RAW_DATA_DIR) before dbt build --target postgres."
        ) }}
    {%- endfor -%}
    select 1
{%- endmacro %}

{#
    Spark: `privacy-warehouse load-spark` has checked the files against the same contract and
    loaded them into database `raw` (src/privacy_warehouse/load_spark.py), as on PostgreSQL.
#}
{% macro spark__register_landing_zone() -%}
    {%- if not execute -%}{{ return('select 1') }}{%- endif -%}
    {%- set databases = run_query('show databases').columns[0].values() | map('lower') | list -%}
    {%- set loaded = run_query('show tables in raw').columns[1].values() | map('lower') | list if 'raw' in databases else [] -%}
    {%- for source in graph.sources.values() if source.schema == 'raw' and source.name | lower not in loaded -%}
        {{ exceptions.raise_compiler_error(
            "Landing zone: table raw." ~ source.name ~ " (" ~ source.source_name ~ "." ~ source.name ~ ") is not loaded: "
            ~ "run `privacy-warehouse load-spark` (reads RAW_DATA_DIR) before dbt build --target spark."
        ) }}
    {%- endfor -%}
    select 1
{%- endmacro %}

{#
    DuckDB: the checks and the views' SELECTs come from src/privacy_warehouse/landing_checks.py,
    the one implementation the PostgreSQL and Spark loaders run too, through the SQL function
    `landing_zone_views` that the dbt-duckdb plugin (duckdb_plugin.py) registers. The contract is
    passed from dbt's graph of the sources' YAML; the first breach's message becomes the build's
    error, word for word as the loaders print it.
#}
{% macro duckdb__register_landing_zone() -%}
    {%- if not execute -%}{{ return('select 1') }}{%- endif -%}
    {%- set raw_root = env_var('RAW_DATA_DIR', 'data/raw').rstrip('/') -%}
    {%- set contract = [] -%}
    {%- for source in graph.sources.values() if source.schema == 'raw' -%}
        {%- set columns = [] -%}
        {%- for column in source.columns.values() -%}{%- do columns.append([column.name, column.data_type]) -%}{%- endfor -%}
        {%- do contract.append({
            'system': source.source_name, 'name': source.name,
            'optional': source.meta.get('optional'), 'columns': columns,
        }) -%}
    {%- endfor -%}
    {%- set arguments = [] -%}
    {%- for text in [raw_root, tojson(contract)] -%}{%- do arguments.append("'" ~ text | replace("'", "''") ~ "'") -%}{%- endfor -%}
    {%- set checked = fromjson(
        run_query('select landing_zone_views(' ~ arguments | join(', ') ~ ')').columns[0].values()[0]
    ) -%}
    {%- if checked.problem -%}
        {{ exceptions.raise_compiler_error(checked.problem) }}
    {%- endif -%}
    {%- do run_query('create schema if not exists raw') -%}
    {%- for view in checked.views -%}
        {%- do run_query('create or replace view raw.' ~ view[0] ~ ' as ' ~ view[1]) -%}
    {%- endfor -%}
    select 1
{%- endmacro %}
