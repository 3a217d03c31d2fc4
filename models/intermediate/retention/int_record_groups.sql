{#
    Every accepted landing record, counted per source table and subject, and where a record has a
    window of its own, per that too: an invoice's bookkeeping window (its invoice_id) and an
    anonymous visitor's record's own day. The records of one group share every window, so the
    erasure queue and the retention forecast judge a group once instead of each record once per
    purpose (57 million rows at scale 10 before). The one scan of all records they share.
#}
with records as (

    select
        source_table,
        subject_type,
        subject_id,
        invoice_id,
        record_on,
        case when subject_type = 'visitor' then record_on end as own_window_on
    from {{ ref('int_landing_records') }}

),

final as (

    select
        source_table,
        subject_type,
        subject_id,
        invoice_id,
        own_window_on,
        count(*) as record_count,
        min(record_on) as oldest_record_on,
        max(record_on) as newest_record_on
    from records
    group by source_table, subject_type, subject_id, invoice_id, own_window_on

)

select * from final
