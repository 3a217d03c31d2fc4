{#
    Every landing record whose every purpose window has passed on as_of (register decision 8):
    what to do with it and since when. `anonymise` where a purpose that used it keeps anonymous
    aggregates (business development, contract administration), `erase` otherwise. A record no
    purpose may use at all is listed for erasure from the day it happened.
#}
with records as (

    select * from {{ ref('int_landing_records') }}

),

windows as (

    select * from {{ ref('int_record_purpose_windows') }}

),

purposes as (

    select
        purpose,
        after_window_action
    from {{ ref('policy_purposes') }}

),

per_record as (

    select
        windows.source_table,
        windows.record_id,
        count(*) as purpose_count,
        sum(case when windows.within_window then 1 else 0 end) as open_window_count,
        max(windows.retention_until) as last_retention_until,
        sum(case when purposes.after_window_action = 'anonymise' then 1 else 0 end) as anonymising_purpose_count,
        string_agg(windows.purpose, ',' order by windows.purpose) as purposes
    from windows
    inner join purposes on windows.purpose = purposes.purpose
    group by windows.source_table, windows.record_id

),

final as (

    select
        records.source_table,
        records.record_id,
        records.subject_type,
        records.subject_id,
        coalesce(per_record.purposes, '') as expired_purposes,
        case when coalesce(per_record.anonymising_purpose_count, 0) > 0 then 'anonymise' else 'erase' end as action,
        case
            when per_record.record_id is null then records.record_on
            else {{ add_days('per_record.last_retention_until', 1) }}
        end as due_on,
        {{ as_of_date() }} as as_of
    from records
    left join per_record
        on records.source_table = per_record.source_table and records.record_id = per_record.record_id
    where per_record.record_id is null or per_record.open_window_count = 0

)

select * from final
