{#
    The first set a day re-judges (issue 20): one row per landing record id whose rows landed in
    more than one file. When a file repeats an id, the quarantine model judges the id's older
    rows again with the new one (a copy is a duplicate, a different row conflicts), and the
    rows that point at the id are judged again when its acceptance changes. Landing order is
    the order of the files' names (docs/decisions.md, issue 20). Empty where the engine's loader
    does not keep the file a row landed in (PostgreSQL, Spark).

    Cheap by construction: an id that repeats always has a row rejected as `duplicate_row` or
    `conflicting_duplicate_id` (the identity checks come before every other rule but a missing
    key), so only those ids are looked up again instead of grouping every landed row.
#}
{%- do depend_on_landing_models(['base_']) -%}

with landed_ids as (
    {%- for node in landing_tables() %}
        {%- set model = ref('base_' ~ node.source_name ~ '__' ~ node.name) %}

        select
            '{{ node.source_name }}.{{ node.name }}' as source_table,
            landed.record_id,
            landed.landed_file,
            landed.rejection_reason
        from {{ model }} as landed
        where landed.record_id in (
                select repeated.record_id
                from {{ model }} as repeated
                where repeated.rejection_reason in ('duplicate_row', 'conflicting_duplicate_id')
            )
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
