{# Hours (decimal) from one timestamp to another. #}
{% macro hours_between(start_timestamp, end_timestamp) -%}
    {{ return(adapter.dispatch('hours_between', 'privacy_warehouse')(start_timestamp, end_timestamp)) }}
{%- endmacro %}

{% macro default__hours_between(start_timestamp, end_timestamp) -%}
    cast(extract(epoch from ({{ end_timestamp }} - {{ start_timestamp }})) / 3600.0 as decimal(10, 2))
{%- endmacro %}

{% macro duckdb__hours_between(start_timestamp, end_timestamp) -%}
    cast(date_diff('second', {{ start_timestamp }}, {{ end_timestamp }}) / 3600.0 as decimal(10, 2))
{%- endmacro %}

{% macro spark__hours_between(start_timestamp, end_timestamp) -%}
    cast((unix_timestamp({{ end_timestamp }}) - unix_timestamp({{ start_timestamp }})) / 3600.0 as decimal(10, 2))
{%- endmacro %}
