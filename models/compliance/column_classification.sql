{#
    One row per landing column with the category of personal data it holds, as declared once in
    the source meta. Drives which purposes a landing table serves (erasure queue, inventory) and
    shows compliance the classification without reading YAML.
#}
{%- set rows = [] -%}
{%- if execute -%}
    {%- for source in graph.sources.values() | selectattr('schema', 'equalto', 'raw') | sort(attribute='unique_id') -%}
        {%- for column in source.columns.values() -%}
            {%- do rows.append("('" ~ source.source_name ~ "." ~ source.name ~ "', '" ~ column.name ~ "', '"
                ~ (column.meta or {}).get('category', 'unclassified') ~ "', "
                ~ ('true' if (column.meta or {}).get('direct_identifier') else 'false') ~ ", "
                ~ ('true' if (column.meta or {}).get('free_text') else 'false') ~ ")") -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endif %}

with classified as (

    select
        declared.source_table,
        declared.column_name,
        declared.category,
        declared.is_direct_identifier,
        declared.is_free_text
    from (
        values
        {{ rows | join(',\n        ') if rows else "('none', 'none', 'none', false, false)" }}
    ) as declared (source_table, column_name, category, is_direct_identifier, is_free_text)

),

final as (

    select
        classified.source_table,
        classified.column_name,
        classified.category,
        classified.is_direct_identifier,
        classified.is_free_text,
        categories.policy_wording as category_policy_wording
    from classified
    left join {{ ref('policy_categories') }} as categories
        on classified.category = categories.category

)

select * from final
