{#
    Arithmetic whose result is a DOUBLE on DuckDB (an average, a division) and the DECIMAL it is
    rounded to, computed the same way on every engine so published figures are byte-identical:
    the same IEEE double, then rounded half away from zero at the scale (DuckDB's cast rounds
    value × 10^scale as a double; PostgreSQL's numeric division or round(double) would differ
    on the last digit now and then).
#}

{# The mean of a numeric expression, as a DOUBLE. #}
{% macro avg_double(expression) -%}
    {{ return(adapter.dispatch('avg_double', 'privacy_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__avg_double(expression) -%}
    avg({{ expression }})
{%- endmacro %}

{% macro postgres__avg_double(expression) -%}
    avg(cast({{ expression }} as double precision))
{%- endmacro %}

{# numerator / denominator as a DOUBLE (DuckDB's `/` on integers and decimals). #}
{% macro divide_double(numerator, denominator) -%}
    {{ return(adapter.dispatch('divide_double', 'privacy_warehouse')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__divide_double(numerator, denominator) -%}
    {{ numerator }} / {{ denominator }}
{%- endmacro %}

{% macro postgres__divide_double(numerator, denominator) -%}
    cast({{ numerator }} as double precision) / {{ denominator }}
{%- endmacro %}

{# A DOUBLE as DECIMAL(precision, scale), rounded half away from zero on the double value × 10^scale. #}
{% macro double_to_decimal(expression, precision, scale) -%}
    {{ return(adapter.dispatch('double_to_decimal', 'privacy_warehouse')(expression, precision, scale)) }}
{%- endmacro %}

{% macro default__double_to_decimal(expression, precision, scale) -%}
    cast({{ expression }} as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}

{#-
    round(double precision) rounds halves to even: a value exactly halfway is rounded away from
    zero by hand. The whole number is exact as numeric, and the division by 10^scale too.
-#}
{% macro postgres__double_to_decimal(expression, precision, scale) -%}
    {%- set scaled = '(cast(' ~ expression ~ ' as double precision) * ' ~ (10 ** scale) ~ ')' -%}
    cast(
        cast(
            case
                when abs({{ scaled }} - trunc({{ scaled }})) = 0.5 then trunc({{ scaled }}) + sign({{ scaled }})
                else round({{ scaled }})
            end as numeric
        ) / {{ 10 ** scale }} as decimal({{ precision }}, {{ scale }})
    )
{%- endmacro %}
