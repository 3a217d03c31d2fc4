{#
    Nothing lost: for every landing table, rows read = rows accepted + rows rejected
    (compliance.landing_reconciliation). Fails naming the table and the difference.
#}
select
    source_table,
    rows_read,
    rows_accepted,
    rows_rejected,
    rows_read - rows_accepted - rows_rejected as rows_unaccounted
from {{ ref('landing_reconciliation') }}
where not is_reconciled
