{#
    Every landing record whose every purpose window has passed on as_of (register decision 8):
    what to do with it and since when. `anonymise` where a purpose that used it keeps anonymous
    aggregates (business development, contract administration), `erase` otherwise. A record no
    purpose may use at all is listed for erasure from the day it happened.
#}
with records as (

    select * from {{ ref('int_landing_records') }}

),

per_record as (

    select * from {{ ref('int_record_purpose_summary') }}

),

purposes as (

    select * from {{ ref('int_purpose_bits') }}

),

purpose_sets as (

    select distinct purpose_set from per_record

),

purpose_set_names as (

    select
        purpose_sets.purpose_set,
        {{ ordered_string_agg('purposes.purpose', ',') }} as purposes
    from purpose_sets
    inner join purposes on mod(purpose_sets.purpose_set, 2 * purposes.purpose_bit) >= purposes.purpose_bit
    group by purpose_sets.purpose_set

),

final as (

    select
        records.source_table,
        records.record_id,
        records.subject_type,
        records.subject_id,
        coalesce(purpose_set_names.purposes, '') as expired_purposes,
        case when coalesce(per_record.anonymising_purpose_count, 0) > 0 then 'anonymise' else 'erase' end as action,
        case
            when per_record.record_id is null then records.record_on
            else {{ add_days('per_record.last_retention_until', 1) }}
        end as due_on,
        {{ as_of_date() }} as as_of
    from records
    left join per_record
        on records.source_table = per_record.source_table and records.record_id = per_record.record_id
    left join purpose_set_names on per_record.purpose_set = purpose_set_names.purpose_set
    where per_record.record_id is null or per_record.open_window_count = 0

)

select * from final
