{#
    A later event on a row (a delivery, a termination, a hold closing) as it was known on as_of:
    after as_of it had not happened yet, so the value is null. This is what lets a build be
    replayed for an earlier day and see the world as it was then.
#}
{% macro known_on_as_of(column) -%}
    case when cast({{ column }} as date) <= {{ as_of_date() }} then {{ column }} end
{%- endmacro %}
