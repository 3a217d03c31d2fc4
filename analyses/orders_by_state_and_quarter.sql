{#
    Analyst question: how many orders per quarter and service reach each state, and how many of
    the delivered ones were on time? From the k-anonymous row-level fct_orders only: counting
    its rows is counting published rows. Revenue, lead-time quantiles, cohorts, satisfaction and
    conversion come from the differentially private tables (bizdev.dp_*, docs/dp-utility.md),
    which are written by the publish and so are not dbt models.
#}
with orders as (

    select * from {{ ref('fct_orders') }}

),

final as (

    select
        order_quarter,
        service,
        order_state,
        count(*) as orders,
        sum(case when is_on_time then 1 else 0 end) as on_time_orders
    from orders
    group by order_quarter, service, order_state

)

select * from final
order by order_quarter, service, order_state
