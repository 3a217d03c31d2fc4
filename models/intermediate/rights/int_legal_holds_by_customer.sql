{#
    Register decision 4: a hold is open on as_of when opened_on <= as_of and closed_on is null or
    later (closings after as_of are already null in staging). After it closed, windows it extends
    run at least to the day it closed. A hold whose customer row was rejected counts too
    (int_bookkeeping_legal_holds): it still extends that customer's kept bookkeeping.
#}
with holds as (

    select * from {{ ref('int_bookkeeping_legal_holds') }}

),

final as (

    select
        customer_id,
        count(*) as legal_hold_count,
        sum(case when closed_on is null then 1 else 0 end) > 0 as has_open_legal_hold,
        max(closed_on) as last_legal_hold_closed_on
    from holds
    where opened_on <= {{ as_of_date() }}
    group by customer_id

)

select * from final
