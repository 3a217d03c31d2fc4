{# A DATE from year, month and day expressions. #}
{% macro make_date_from_parts(year, month, day) -%}
    {{ return(adapter.dispatch('make_date_from_parts', 'privacy_warehouse')(year, month, day)) }}
{%- endmacro %}

{% macro default__make_date_from_parts(year, month, day) -%}
    make_date(cast({{ year }} as integer), cast({{ month }} as integer), cast({{ day }} as integer))
{%- endmacro %}
