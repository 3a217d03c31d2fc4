{#
    The landing records whose every purpose window has passed on as_of (register decision 8), per
    source table and subject: how many, the oldest and newest, what to do with them and since
    when. `anonymise` where a purpose that used them keeps anonymous aggregates (business
    development, contract administration), `erase` otherwise.

    Counted per group of records that share their windows (int_record_groups: a subject's records
    of a table, split by invoice and, for anonymous visitors, by day), not listed one row per
    record. Records no purpose may use at all are due from the day they happened: such a group is
    due from its oldest record's day.
#}
with record_groups as (

    select * from {{ ref('int_record_groups') }}

),

windows as (

    select * from {{ ref('int_record_group_windows') }}

),

purposes as (

    select * from {{ ref('int_purpose_bits') }}

),

{# A group and its windows as rows of one union, summed per group: group keys may be null
    (no invoice, no own day), which a group by matches and a join would not. -#}
group_rows as (

    select
        source_table,
        subject_type,
        subject_id,
        invoice_id,
        own_window_on,
        record_count,
        oldest_record_on,
        newest_record_on,
        0 as purpose_count,
        0 as open_window_count,
        cast(null as date) as retention_until,
        0 as anonymising_purpose_count,
        cast(0 as bigint) as purpose_bit
    from record_groups
    union all
    select
        windows.source_table,
        windows.subject_type,
        windows.subject_id,
        windows.invoice_id,
        windows.own_window_on,
        0 as record_count,
        cast(null as date) as oldest_record_on,
        cast(null as date) as newest_record_on,
        1 as purpose_count,
        case when windows.within_window then 1 else 0 end as open_window_count,
        windows.retention_until,
        case when purposes.after_window_action = 'anonymise' then 1 else 0 end as anonymising_purpose_count,
        purposes.purpose_bit
    from windows
    inner join purposes on windows.purpose = purposes.purpose

),

per_group as (

    select
        source_table,
        subject_type,
        subject_id,
        sum(record_count) as record_count,
        min(oldest_record_on) as oldest_record_on,
        max(newest_record_on) as newest_record_on,
        sum(purpose_count) as purpose_count,
        sum(open_window_count) as open_window_count,
        max(retention_until) as last_retention_until,
        sum(anonymising_purpose_count) as anonymising_purpose_count,
        sum(purpose_bit) as purpose_set
    from group_rows
    group by source_table, subject_type, subject_id, invoice_id, own_window_on

),

{# Summed per subject on the purposes' bit mask, named after: the names are joined to the few
    due subjects' sets, so the per-group aggregate is read once. Naming the sets of every group
    first read it twice (the CTE materialised, ~120 MB at scale 1), and the build at scale 10
    ran out of memory at memory_limit 2 GB (docs/performance.md, issue 20). -#}
due_groups as (

    select
        source_table,
        subject_type,
        subject_id,
        purpose_set,
        case when anonymising_purpose_count > 0 then 'anonymise' else 'erase' end as action,
        case
            when purpose_count = 0 then oldest_record_on
            else {{ add_days('last_retention_until', 1) }}
        end as due_on,
        record_count,
        oldest_record_on,
        newest_record_on
    from per_group
    where record_count > 0 and open_window_count = 0

),

due_subjects as (

    select
        source_table,
        subject_type,
        subject_id,
        purpose_set,
        action,
        due_on,
        cast(sum(record_count) as bigint) as record_count,
        min(oldest_record_on) as oldest_record_on,
        max(newest_record_on) as newest_record_on
    from due_groups
    group by source_table, subject_type, subject_id, purpose_set, action, due_on

),

purpose_sets as (

    select distinct purpose_set from due_subjects

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
        due_subjects.source_table,
        due_subjects.subject_type,
        due_subjects.subject_id,
        coalesce(purpose_set_names.purposes, '') as expired_purposes,
        due_subjects.action,
        due_subjects.due_on,
        due_subjects.record_count,
        due_subjects.oldest_record_on,
        due_subjects.newest_record_on,
        {{ as_of_date() }} as as_of
    from due_subjects
    left join purpose_set_names on due_subjects.purpose_set = purpose_set_names.purpose_set

)

select * from final
