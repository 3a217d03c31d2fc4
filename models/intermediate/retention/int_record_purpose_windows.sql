{#
    One row per landing record and purpose that may use it, with that purpose's window for it:
    the subject's (int_subject_purpose_windows), an anonymous visitor's record's own (event +
    months), or an invoice's bookkeeping window (macros/retention/purpose_windows.sql, shared
    with int_record_group_windows). Which purposes may use a table: int_table_purposes.

    A view: the window is joined to the record where it is asked for (the access export asks for
    one person's records), never materialised for every record and purpose (57 million rows at
    scale 10). The erasure queue and the forecast count groups of records instead
    (int_record_group_windows).
#}
{{ config(materialized='view') }}
{{ purpose_windows(
    ref('int_landing_records'),
    ['source_table', 'record_id', 'subject_type', 'subject_id', 'record_on'],
    'record_on',
) }}
