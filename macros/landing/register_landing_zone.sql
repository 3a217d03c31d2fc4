{#
    Exposes the landing zone ($RAW_DATA_DIR/<system>/<table>/*.parquet) as views in schema `raw`,
    after checking every file against the contract declared in models/staging/_staging__sources.yml.

    Why a hook and not dbt-duckdb's `external_location`: the contract asks for an error that names
    the file and the column, and for optional tables that may be absent. An external location can
    do neither: DuckDB's own error for a missing column names neither, and a missing folder fails.
    Dispatched: on PostgreSQL and Spark the landing zone is loaded as tables by their own loaders.
#}
{% macro register_landing_zone() -%}
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

{% macro duckdb__register_landing_zone() -%}
    {%- if not execute -%}{{ return('select 1') }}{%- endif -%}
    {%- set raw_root = env_var('RAW_DATA_DIR', 'data/raw').rstrip('/') -%}
    {%- do run_query('create schema if not exists raw') -%}
    {%- for source in graph.sources.values() if source.schema == 'raw' -%}
        {%- set folder = raw_root ~ '/' ~ source.source_name ~ '/' ~ source.name -%}
        {%- set contract_table = source.source_name ~ '.' ~ source.name -%}
        {%- set files = run_query("select file from glob('" ~ folder | replace("'", "''") ~ "/*.parquet') order by file").columns[0].values() -%}
        {%- set columns = source.columns.values() | list -%}
        {%- if files | length == 0 -%}
            {%- if source.meta.get('optional') -%}
                {#- An optional table that is absent is an empty table of the contract's shape. -#}
                {%- set empty_columns = [] -%}
                {%- for column in columns -%}
                    {%- do empty_columns.append('cast(null as ' ~ column.data_type ~ ') as ' ~ column.name) -%}
                {%- endfor -%}
                {%- do run_query('create or replace view raw.' ~ source.name ~ ' as select ' ~ empty_columns | join(', ') ~ ' where false') -%}
            {%- else -%}
                {{ exceptions.raise_compiler_error(
                    "Landing zone: required table " ~ contract_table ~ " has no Parquet file in "
                    ~ folder ~ "/ (the contract, ../shared/contracts/raw-sources.md, requires it)."
                ) }}
            {%- endif -%}
        {%- else -%}
            {%- do check_landing_files(contract_table, files, columns) -%}
            {%- set typed_columns = [] -%}
            {%- for column in columns -%}
                {%- do typed_columns.append('cast(' ~ column.name ~ ' as ' ~ column.data_type ~ ') as ' ~ column.name) -%}
            {%- endfor -%}
            {%- set file_list = [] -%}
            {%- for file in files -%}{%- do file_list.append("'" ~ file | replace("'", "''") ~ "'") -%}{%- endfor -%}
            {#- union_by_name: daily batch files may carry different extra columns, which are ignored. -#}
            {%- do run_query(
                'create or replace view raw.' ~ source.name ~ ' as select ' ~ typed_columns | join(', ')
                ~ ' from read_parquet([' ~ file_list | join(', ') ~ '], union_by_name = true)'
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    select 1
{%- endmacro %}
