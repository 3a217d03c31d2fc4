{#
    One bit per purpose of the register, in name order, so that a record's set of purposes is one
    number (the sum of its purposes' bits): compliance.erasure_queue adds them up per group of
    records and names each set once.
#}
select
    purpose,
    after_window_action,
    cast(power(2, row_number() over (order by purpose) - 1) as bigint) as purpose_bit
from {{ ref('policy_purposes') }}
