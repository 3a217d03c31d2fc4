{#
    The type of text, for casts in models and tests: VARCHAR on DuckDB and PostgreSQL; Spark
    knows no VARCHAR without a length, its text type is STRING.
#}
{% macro varchar_type() -%}
    {{ return(adapter.dispatch('varchar_type', 'privacy_warehouse')()) }}
{%- endmacro %}

{% macro default__varchar_type() -%}
    varchar
{%- endmacro %}

{% macro spark__varchar_type() -%}
    string
{%- endmacro %}
