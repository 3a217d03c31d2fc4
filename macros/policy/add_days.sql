{# A DATE `days` days after (or, negative, before) a date. #}
{% macro add_days(date_expression, days) -%}
    {{ return(adapter.dispatch('add_days', 'privacy_warehouse')(date_expression, days)) }}
{%- endmacro %}

{% macro default__add_days(date_expression, days) -%}
    cast({{ date_expression }} + interval '{{ days }} day' as date)
{%- endmacro %}

{% macro spark__add_days(date_expression, days) -%}
    date_add({{ date_expression }}, {{ days }})
{%- endmacro %}
