{#
    Arithmetic whose result is a DOUBLE on DuckDB (an average, a division) and the DECIMAL it is
    rounded to, computed the same way on every engine so published figures are byte-identical:
    the same IEEE double, then rounded half away from zero at the scale (DuckDB's cast rounds
    value × 10^scale as a double; PostgreSQL's numeric division or round(double) would differ
    on the last digit now and then).
#}
{# A DOUBLE as DECIMAL(precision, scale), rounded half away from zero on the double value × 10^scale. #}
{% macro double_to_decimal(expression, precision, scale) -%}
    {{ return(adapter.dispatch('double_to_decimal', 'privacy_warehouse')(expression, precision, scale)) }}
{%- endmacro %}

{% macro default__double_to_decimal(expression, precision, scale) -%}
    cast({{ expression }} as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}

{#-
    Spark: round() of a double rounds half away from zero on its shortest decimal form, which is
    x.5 exactly when the double is; the division by 10^scale is exact as a decimal.
-#}
{% macro spark__double_to_decimal(expression, precision, scale) -%}
    cast(
        cast(round(cast({{ expression }} as double) * {{ 10 ** scale }}) as decimal(38, 0)) / {{ 10 ** scale }}
        as decimal({{ precision }}, {{ scale }})
    )
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
