{#
    One row per landing record that some purpose may use: how many purposes, how many of their
    windows are still open on as_of, when the last one closes, and the set of purposes as a bit set.

    A model of its own, not a CTE of compliance.erasure_queue: aggregating tens of millions of
    window rows and joining the result back to every record in one query held both in memory at
    once (out of memory at scale 10 under 2 GB); as two queries each one spills to disk.
#}
with windows as (

    select * from {{ ref('int_record_purpose_windows') }}

),

purposes as (

    select * from {{ ref('int_purpose_bits') }}

),

{# Not string_agg(... order by ...) here: an ordered aggregate over millions of groups holds its
    state in memory and does not spill. The bits are named once per distinct set downstream. -#}
per_record as (

    select
        windows.source_table,
        windows.record_id,
        count(*) as purpose_count,
        sum(case when windows.within_window then 1 else 0 end) as open_window_count,
        max(windows.retention_until) as last_retention_until,
        sum(case when purposes.after_window_action = 'anonymise' then 1 else 0 end) as anonymising_purpose_count,
        sum(purposes.purpose_bit) as purpose_set
    from windows
    inner join purposes on windows.purpose = purposes.purpose
    group by windows.source_table, windows.record_id

)

select * from per_record
