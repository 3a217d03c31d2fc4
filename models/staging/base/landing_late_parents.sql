{#
    The second set a day re-judges (issue 20): one row per landing row and reference whose
    referenced parent landed in a later file than the row itself. Until the parent's file
    landed, the row was rejected for an unknown reference; the build that brought the parent
    judged it again (check_landing_table). Landing order is the order of the files' names
    (docs/decisions.md, issue 20). Empty where the engine's loader does not keep the file a row
    landed in (PostgreSQL, Spark).
#}
{%- do depend_on_landing_models(['base_']) -%}
{%- set pairs = [] -%}
{%- for node in landing_tables() -%}
    {%- set type_columns = {} -%}
    {%- for subject in node.meta.subjects if subject.type_column -%}
        {%- do type_columns.update({subject.column: subject.type_column}) -%}
    {%- endfor -%}
    {%- for column in node.columns.values() if column.meta.get('references') -%}
        {%- set targets = {'': column.meta.references} if column.meta.references is string
            else column.meta.references -%}
        {%- for subject_type, target in targets.items() | sort -%}
            {%- do pairs.append({
                'child': node, 'column': column.name, 'target': target.split('.'),
                'type_column': type_columns.get(column.name) if subject_type else none,
                'subject_type': subject_type,
            }) -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endfor %}

with late_parents as (
    {%- for pair in pairs %}
        {%- set parent_model = 'base_' ~ pair.target[0] ~ '__' ~ pair.target[1] %}

        select
            '{{ pair.child.source_name }}.{{ pair.child.name }}' as source_table,
            child.record_id,
            '{{ pair.column }}' as reference_column,
            '{{ pair.target[0] }}.{{ pair.target[1] }}' as parent_table,
            child.landed_file,
            parent.parent_landed_file,
            count(*) as landed_rows,
            count(child.rejection_reason) as rejected_rows
        from {{ ref('base_' ~ pair.child.source_name ~ '__' ~ pair.child.name) }} as child
        inner join (
            {#- The first file that brought an accepted row of each parent id. #}
            select
                {{ pair.target[2] }} as parent_id,
                min(landed_file) as parent_landed_file
            from {{ ref(parent_model) }}
            where rejection_reason is null
            group by {{ pair.target[2] }}
        ) as parent
            on
                child.{{ pair.column }} = parent.parent_id
                and child.landed_file < parent.parent_landed_file
        where
            child.record_id is not null
            {%- if pair.type_column %}
                and child.{{ pair.type_column }} = '{{ pair.subject_type }}'
            {%- endif %}
        group by child.record_id, child.landed_file, parent.parent_landed_file
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

)

select * from late_parents
