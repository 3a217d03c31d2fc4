{#
    Every distinct raw identifier value of the landing zone (each source column with
    meta.direct_identifier, accepted or rejected rows alike), with the first source column (by
    name) it occurs in. private.leak_scan_values adds its unkeyed hashes.
#}
{%- do depend_on_landing_models(['base_']) -%}
{%- set identifier_columns = [] -%}
{%- if execute -%}
    {%- for source in landing_tables() -%}
        {%- for column in source.columns.values() if (column.meta or {}).get('direct_identifier') -%}
            {%- do identifier_columns.append(source.source_name ~ '.' ~ source.name ~ '.' ~ column.name) -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endif %}
{#- Numbered in name order, so that the smallest number is the first source by name: min() of a
    number spills to disk, min() of a string does not (out of memory at scale 10 under 2 GB). -#}
{%- set identifier_columns = identifier_columns | sort %}

with identifier_values as (
    {%- for qualified_name in identifier_columns %}
        {%- set system, table, column = qualified_name.split('.') %}
        select
            cast({{ column }} as {{ varchar_type() }}) as identifier_value,
            {{ loop.index }} as source_number
        from {{ ref('base_' ~ system ~ '__' ~ table) }}
        where {{ column }} is not null
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- if not identifier_columns %}
    select cast(null as {{ varchar_type() }}) as identifier_value, 0 as source_number where false
    {%- endif %}
),

{# One aggregate over all columns rather than a distinct per column: one hash table to spill,
    not one per column held at once. #}
distinct_values as (

    select
        identifier_value,
        min(source_number) as source_number
    from identifier_values
    group by identifier_value

),

source_names as (
    {%- for qualified_name in identifier_columns %}
        select
            {{ loop.index }} as source_number,
            '{{ qualified_name }}' as identifier_source
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- if not identifier_columns %}
    select 0 as source_number, cast(null as {{ varchar_type() }}) as identifier_source where false
    {%- endif %}
)

select
    distinct_values.identifier_value,
    source_names.identifier_source
from distinct_values
inner join source_names on distinct_values.source_number = source_names.source_number
