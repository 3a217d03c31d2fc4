{#
    Register decision 1: a customer's relationship has ended when no order is open and no
    agreement is active; it ended on the latest closing or termination day. A customer with
    neither orders nor agreements ended it on the day the account was created.
#}
with customers as (

    select * from {{ ref('stg_booking__customers') }}

),

orders as (

    select * from {{ ref('int_orders_closed') }}

),

agreements as (

    select * from {{ ref('stg_booking__agreements') }}

),

order_summary as (

    select
        customer_id,
        count(*) as order_count,
        sum(case when closed_on is null then 1 else 0 end) as open_order_count,
        max(closed_on) as last_order_closed_on
    from orders
    group by customer_id

),

agreement_summary as (

    select
        customer_id,
        count(*) as agreement_count,
        sum(case when terminated_on is null then 1 else 0 end) as active_agreement_count,
        max(terminated_on) as last_agreement_terminated_on
    from agreements
    group by customer_id

),

final as (

    select
        customers.customer_id,
        customers.customer_type,
        customers.lead_id,
        customers.created_on,
        coalesce(order_summary.order_count, 0) as order_count,
        coalesce(order_summary.open_order_count, 0) as open_order_count,
        coalesce(agreement_summary.agreement_count, 0) as agreement_count,
        coalesce(agreement_summary.active_agreement_count, 0) as active_agreement_count,
        coalesce(order_summary.open_order_count, 0) > 0
        or coalesce(agreement_summary.active_agreement_count, 0) > 0 as is_relationship_open,
        case
            when coalesce(order_summary.open_order_count, 0) > 0
                or coalesce(agreement_summary.active_agreement_count, 0) > 0 then null
            when order_summary.last_order_closed_on is null
                and agreement_summary.last_agreement_terminated_on is null then customers.created_on
            else greatest(
                    coalesce(order_summary.last_order_closed_on, agreement_summary.last_agreement_terminated_on),
                    coalesce(agreement_summary.last_agreement_terminated_on, order_summary.last_order_closed_on)
                )
        end as relationship_ended_on,
        case
            when coalesce(order_summary.open_order_count, 0) > 0 then 'open_order'
            when coalesce(agreement_summary.active_agreement_count, 0) > 0 then 'active_agreement'
            when order_summary.last_order_closed_on is null
                and agreement_summary.last_agreement_terminated_on is null then 'no_orders_or_agreements'
            else 'all_closed'
        end as relationship_state
    from customers
    left join order_summary on customers.customer_id = order_summary.customer_id
    left join agreement_summary on customers.customer_id = agreement_summary.customer_id

)

select * from final
