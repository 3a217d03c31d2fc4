{# numerator / denominator as a DOUBLE, as DuckDB divides integers and decimals (see double_to_decimal.sql). #}
{% macro divide_double(numerator, denominator) -%}
    {{ return(adapter.dispatch('divide_double', 'privacy_warehouse')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__divide_double(numerator, denominator) -%}
    {{ numerator }} / {{ denominator }}
{%- endmacro %}

{# Spark divides decimals as decimals: as a double, as DuckDB does. #}
{% macro spark__divide_double(numerator, denominator) -%}
    cast({{ numerator }} as double) / {{ denominator }}
{%- endmacro %}

{% macro postgres__divide_double(numerator, denominator) -%}
    cast({{ numerator }} as double precision) / {{ denominator }}
{%- endmacro %}
