{#
    Every legal hold that extends a bookkeeping window (register decision 4;
    docs/decisions-bookkeeping.md): the accepted ones, and those rejected only because their
    customer row was rejected. A kept invoice of that customer is held as long as any other.
#}
with accepted as (

    select
        legal_hold_id,
        customer_id,
        hold_reason,
        opened_on,
        closed_on,
        false as customer_row_rejected
    from {{ ref('stg_legal__legal_holds') }}

),

{# Typed as stg_legal__legal_holds types its rows. #}
kept as (

    select
        holds.hold_id as legal_hold_id,
        holds.customer_id,
        trim(holds.reason) as hold_reason,
        holds.opened_on,
        {{ known_on_as_of('holds.closed_on') }} as closed_on,
        true as customer_row_rejected
    from {{ ref('base_legal__legal_holds') }} as holds
    where {{ rejected_only_because_of_a_parent('holds', 'legal.legal_holds', 'customer_id') }}

)

select * from accepted
union all
select * from kept
