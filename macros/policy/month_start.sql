{# The first day of the month of a date or timestamp, as a DATE. #}
{% macro month_start(expression) -%}
    cast(date_trunc('month', {{ expression }}) as date)
{%- endmacro %}
