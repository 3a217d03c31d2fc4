{#
    Cohorts for the differentially private statistics: one row per customer inside the
    business-development window and calendar month in which they ordered, with the month of
    their first order (the cohort) and the months since it; and whether they ordered again
    within 90 days of their first order (on the cohort's own row, months_since = 0).
    Private: raw ids.
#}
with orders as (

    select
        person_id,
        order_month,
        order_id
    from {{ ref('int_dp_orders') }}

),

order_days as (

    select
        orders.person_id,
        stg.ordered_on
    from {{ ref('stg_booking__orders') }} as stg
    inner join orders on stg.order_id = orders.order_id

),

first_orders as (

    select
        person_id,
        min(ordered_on) as first_ordered_on
    from order_days
    group by person_id

),

reorders as (

    select
        first_orders.person_id,
        max(case
            when order_days.ordered_on > first_orders.first_ordered_on
                and order_days.ordered_on <= {{ add_days('first_orders.first_ordered_on', 90) }} then 1
            else 0
        end) as reordered_within_90_days
    from first_orders
    inner join order_days on first_orders.person_id = order_days.person_id
    group by first_orders.person_id

),

active_months as (

    select distinct
        person_id,
        order_month as activity_month
    from orders

),

final as (

    select
        active_months.person_id,
        active_months.activity_month,
        {{ month_start('first_orders.first_ordered_on') }} as cohort_month,
        cast(
            (extract(year from active_months.activity_month) - extract(year from first_orders.first_ordered_on)) * 12
            + extract(month from active_months.activity_month) - extract(month from first_orders.first_ordered_on)
            as integer
        ) as months_since_first_order,
        {#- A cohort's 90-day share is final when the month three months after it has ended. -#}
        {{ add_months(month_start('first_orders.first_ordered_on'), 3) }} as reorder_known_month,
        reorders.reordered_within_90_days
    from active_months
    inner join first_orders on active_months.person_id = first_orders.person_id
    inner join reorders on active_months.person_id = reorders.person_id

)

select * from final
