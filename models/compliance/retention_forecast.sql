{#
    How many subjects and records leave each purpose in each of the 12 months from as_of's month on:
    a record or subject leaves in the month of the first day after its retention_until. Records
    are counted by their groups (int_record_group_windows: records that share their windows).
#}
with months as (

    select
        month_number,
        {{ add_months(month_start(as_of_date()), 'month_number') }} as month_start
    from (
        select 0 as month_number
        union all
        select 1
        union all
        select 2
        union all
        select 3
        union all
        select 4
        union all
        select 5
        union all
        select 6
        union all
        select 7
        union all
        select 8
        union all
        select 9
        union all
        select 10
        union all
        select 11
    ) as numbers

),

subjects_leaving as (

    select
        purpose,
        {{ month_start(add_days('retention_until', 1)) }} as month_start,
        count(*) as subjects_leaving
    from {{ ref('int_subject_purpose_windows') }}
    where retention_until >= {{ as_of_date() }}
    group by 1, 2

),

records_leaving as (

    select
        purpose,
        {{ month_start(add_days('retention_until', 1)) }} as month_start,
        cast(sum(record_count) as bigint) as records_leaving
    from {{ ref('int_record_group_windows') }}
    where retention_until >= {{ as_of_date() }}
    group by 1, 2

),

purposes as (

    select purpose from {{ ref('policy_purposes') }}

),

final as (

    select
        purposes.purpose,
        months.month_start,
        coalesce(subjects_leaving.subjects_leaving, 0) as subjects_leaving,
        coalesce(records_leaving.records_leaving, 0) as records_leaving,
        {{ as_of_date() }} as as_of
    from purposes
    cross join months
    left join subjects_leaving
        on purposes.purpose = subjects_leaving.purpose and months.month_start = subjects_leaving.month_start
    left join records_leaving
        on purposes.purpose = records_leaving.purpose and months.month_start = records_leaving.month_start

)

select * from final
