{#
    The one rule for enum values, for every landing table (docs/decisions-enums.md): a value is
    read only when it is, byte for byte, one of the contract's listed values. Another case
    (`Direct_Marketing`) or spaces around it (` direct_marketing`) is not normalised: the row is
    rejected `invalid_enum_value`, like any unlisted value. Rights rows are then honoured in
    their most protective reading (models/intermediate/rights/int_rights_fail_closed.sql), so
    rejecting never makes a rights row less protective than normalising would.

    Returns the reason (`invalid_enum_value`) or null when the value is listed; a null value is
    the `required` rule's to judge, not this one's.
#}
{% macro enum_rejection_reason(expression, accepted_values) -%}
    case
        when {{ expression }} is not null
            and {{ expression }} not in ('{{ accepted_values | join("', '") }}')
            then 'invalid_enum_value'
    end
{%- endmacro %}

{# True when `expression` is one of the listed values exactly (the reading the rule above accepts). #}
{% macro enum_is_readable(expression, accepted_values) -%}
    coalesce({{ expression }} in ('{{ accepted_values | join("', '") }}'), false)
{%- endmacro %}

{# The listed values of one enum column of the contract, read from the source meta (declared once). #}
{% macro source_accepted_values(source_name, table_name, column_name) -%}
    {%- if not execute -%}{{ return(['']) }}{%- endif -%}
    {%- set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] -%}
    {%- set values = node.columns[column_name].meta.get('accepted_values') -%}
    {%- if not values -%}
        {{ exceptions.raise_compiler_error(source_name ~ '.' ~ table_name ~ '.' ~ column_name ~ ' declares no accepted_values.') }}
    {%- endif -%}
    {{- return(values) -}}
{%- endmacro %}
