{# An integer, or null when the text is not one (never an error: bad rows are rejected, not fatal). #}
{% macro try_cast_integer(expression) -%}
    {{ return(adapter.dispatch('try_cast_integer', 'privacy_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__try_cast_integer(expression) -%}
    case when {{ expression }} ~ '^[0-9]+$' then cast({{ expression }} as integer) end
{%- endmacro %}

{% macro duckdb__try_cast_integer(expression) -%}
    try_cast({{ expression }} as integer)
{%- endmacro %}

{# As DuckDB's try_cast: surrounding spaces and a sign are accepted; nine digits at most never overflow. #}
{% macro postgres__try_cast_integer(expression) -%}
    case when trim({{ expression }}) ~ '^[+-]?[0-9]{1,9}$' then cast(trim({{ expression }}) as integer) end
{%- endmacro %}

{#- Spark's cast truncates '1.5' to 1 (ANSI off, as dbt-spark sets it): accept only what DuckDB accepts. -#}
{% macro spark__try_cast_integer(expression) -%}
    case when trim({{ expression }}) rlike '^[+-]?[0-9]{1,9}$' then cast(trim({{ expression }}) as int) end
{%- endmacro %}
