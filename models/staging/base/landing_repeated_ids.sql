{#
    The first set a day re-judges (issue 20): one row per landing record id whose rows landed in
    more than one file. When a file repeats an id, the quarantine model judges the id's older
    rows again with the new one (a copy is a duplicate, a different row conflicts), and the
    rows that point at the id are judged again when its acceptance changes. Landing order is
    the order of the files' names (docs/decisions.md, issue 20). Empty where the engine's loader
    does not keep the file a row landed in (PostgreSQL, Spark).
#}
{%- do depend_on_landing_models(['base_']) -%}

with landed_ids as (
    {%- for node in landing_tables() %}

    select
        '{{ node.source_name }}.{{ node.name }}' as source_table,
        record_id,
        landed_file,
        rejection_reason
    from {{ ref('base_' ~ node.source_name ~ '__' ~ node.name) }}
    where record_id is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

repeated as (

    select
        source_table,
        record_id,
        count(distinct landed_file) as landed_files,
        count(*) as landed_rows,
        count(rejection_reason) as rejected_rows,
        min(landed_file) as first_landed_file,
        max(landed_file) as last_landed_file
    from landed_ids
    group by source_table, record_id
    having count(distinct landed_file) > 1

)

select * from repeated
