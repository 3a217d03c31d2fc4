{{ config(meta={
    'purpose': 'corporate_transactions',
    'retention': [{'anonymous': true}],
}) }}

{#
    What a due-diligence review gets (register, purpose 5): per source table and category of
    personal data, how many records and subjects the warehouse holds and over which dates.
    Counts and dates only, no personal data.
#}
with records as (

    select * from {{ ref('int_landing_records') }}

),

categories as (

    select distinct
        source_table,
        category
    from {{ ref('column_classification') }}
    where category not in ('identifier', 'non_personal')

),

per_table as (

    select
        source_table,
        count(*) as record_count,
        count(distinct subject_type || ':' || subject_id) as subject_count,
        min(record_on) as first_record_on,
        max(record_on) as last_record_on
    from records
    group by source_table

),

final as (

    select
        categories.category,
        categories.source_table,
        coalesce(per_table.record_count, 0) as record_count,
        coalesce(per_table.subject_count, 0) as subject_count,
        per_table.first_record_on,
        per_table.last_record_on,
        {{ as_of_date() }} as as_of
    from categories
    left join per_table on categories.source_table = per_table.source_table

)

select * from final
