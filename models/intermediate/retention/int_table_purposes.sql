{#
    Which purposes may use each landing table: those whose categories (seed
    policy_purpose_categories) include a category of one of the table's columns, as declared once
    in the sources' column meta (landing_tables(): every declared landing table). Identifiers and
    non-personal columns do not make a table useful.
    Read from the declarations here, not from compliance.column_classification: intermediate
    models never read compliance ones.
#}
{%- set rows = [] -%}
{%- if execute -%}
    {%- for source in landing_tables() -%}
        {%- for column in source.columns.values() -%}
            {%- do rows.append("('" ~ source.source_name ~ "." ~ source.name ~ "', '"
                ~ (column.meta or {}).get('category', 'unclassified') ~ "')") -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endif %}

with column_categories as (

    select
        declared.source_table,
        declared.category
    from (
        values
        {{ rows | unique | join(',\n        ') if rows else "('none', 'none')" }}
    ) as declared (source_table, category)

),

final as (

    select distinct
        column_categories.source_table,
        purpose_categories.purpose
    from column_categories
    inner join {{ ref('policy_purpose_categories') }} as purpose_categories
        on column_categories.category = purpose_categories.category
    where column_categories.category not in ('identifier', 'non_personal')

)

select * from final
