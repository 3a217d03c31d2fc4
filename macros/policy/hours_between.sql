{# Hours (decimal) from one timestamp to another: whole seconds between them / 3600, to 2 decimals. #}
{% macro hours_between(start_timestamp, end_timestamp) -%}
    {{ return(adapter.dispatch('hours_between', 'privacy_warehouse')(start_timestamp, end_timestamp)) }}
{%- endmacro %}

{% macro default__hours_between(start_timestamp, end_timestamp) -%}
    cast(extract(epoch from ({{ end_timestamp }} - {{ start_timestamp }})) / 3600.0 as decimal(10, 2))
{%- endmacro %}

{% macro duckdb__hours_between(start_timestamp, end_timestamp) -%}
    cast(date_diff('second', {{ start_timestamp }}, {{ end_timestamp }}) / 3600.0 as decimal(10, 2))
{%- endmacro %}

{#- DuckDB's date_diff counts second boundaries and divides as a DOUBLE: the same here, rounded as DuckDB rounds. -#}
{% macro postgres__hours_between(start_timestamp, end_timestamp) -%}
    {{ double_to_decimal(
        "cast(extract(epoch from date_trunc('second', " ~ end_timestamp ~ ")) - extract(epoch from date_trunc('second', "
        ~ start_timestamp ~ ")) as double precision) / 3600.0", 10, 2) }}
{%- endmacro %}

{#- unix_timestamp() drops the fraction of a second (second boundaries, as DuckDB counts them). -#}
{% macro spark__hours_between(start_timestamp, end_timestamp) -%}
    {{ double_to_decimal(
        "cast(unix_timestamp(" ~ end_timestamp ~ ") - unix_timestamp(" ~ start_timestamp ~ ") as double) / 3600.0", 10, 2) }}
{%- endmacro %}
