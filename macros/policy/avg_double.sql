{# The mean of a numeric expression, as a DOUBLE as DuckDB computes it (see double_to_decimal.sql). #}
{% macro avg_double(expression) -%}
    {{ return(adapter.dispatch('avg_double', 'privacy_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__avg_double(expression) -%}
    avg({{ expression }})
{%- endmacro %}

{# Spark averages a decimal as a decimal: as a double, as DuckDB does. #}
{% macro spark__avg_double(expression) -%}
    avg(cast({{ expression }} as double))
{%- endmacro %}

{% macro postgres__avg_double(expression) -%}
    avg(cast({{ expression }} as double precision))
{%- endmacro %}
