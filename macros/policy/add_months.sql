{#
    Calendar-month arithmetic (register decision 2): a day the target month lacks becomes its last
    day (2020-02-29 + 36 months = 2023-02-28). `months` may be a number or a column.
#}
{% macro add_months(date_expression, months) -%}
    {{ return(adapter.dispatch('add_months', 'privacy_warehouse')(date_expression, months)) }}
{%- endmacro %}

{% macro default__add_months(date_expression, months) -%}
    cast({{ date_expression }} + cast({{ months }} as integer) * interval '1 month' as date)
{%- endmacro %}

{% macro duckdb__add_months(date_expression, months) -%}
    cast({{ date_expression }} + to_months(cast({{ months }} as integer)) as date)
{%- endmacro %}

{% macro spark__add_months(date_expression, months) -%}
    add_months({{ date_expression }}, cast({{ months }} as int))
{%- endmacro %}
