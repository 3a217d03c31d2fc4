{#
    The values of a group joined by `delimiter` in their own (code point) order, optionally
    distinct; null when the group has no value. DuckDB and PostgreSQL: an ordered string_agg.
#}
{% macro ordered_string_agg(expression, delimiter, is_distinct=false) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'privacy_warehouse')(expression, delimiter, is_distinct)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(expression, delimiter, is_distinct=false) -%}
    string_agg({{ 'distinct ' if is_distinct }}{{ expression }}, '{{ delimiter }}' order by {{ expression }})
{%- endmacro %}

{#- Spark has no ordered string_agg: the values collected, sorted (binary order, as text sorts on DuckDB), joined. -#}
{% macro spark__ordered_string_agg(expression, delimiter, is_distinct=false) -%}
    case when count({{ expression }}) > 0
        then array_join(array_sort({{ 'collect_set' if is_distinct else 'collect_list' }}({{ expression }})), '{{ delimiter }}')
    end
{%- endmacro %}
