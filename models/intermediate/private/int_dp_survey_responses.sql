{#
    Satisfaction for the differentially private statistics: one row per survey response of a
    customer inside the business-development window, with the score, its NPS point (+1 a
    promoter 9-10, -1 a detractor 0-6, else 0), the customer's segment, and the service of the
    customer's latest order on or before the response (`none` if they had none). The free-text
    comment is not read. Private: raw ids, exact scores.
#}
with responses as (

    select * from {{ ref('stg_crm__survey_responses') }}

),

customers as (

    select * from {{ ref('int_bizdev_customer_segments') }}

),

orders as (

    select
        customer_id,
        order_id,
        ordered_at,
        service
    from {{ ref('stg_booking__orders') }}

),

latest_orders as (

    select
        response_id,
        service
    from (
        select
            responses.response_id,
            orders.service,
            row_number() over (
                partition by responses.response_id order by orders.ordered_at desc, orders.order_id desc
            ) as recency
        from responses
        inner join orders
            on responses.customer_id = orders.customer_id and responses.responded_at >= orders.ordered_at
    ) as ranked
    where recency = 1

),

final as (

    select
        responses.response_id,
        responses.customer_id as person_id,
        {{ make_date_from_parts('extract(year from responses.responded_on)', 1, 1) }} as response_year,
        coalesce(latest_orders.service, 'none') as service,
        customers.customer_type,
        customers.age_band,
        responses.nps_score,
        case when responses.nps_score >= 9 then 1 when responses.nps_score <= 6 then -1 else 0 end as nps_point
    from responses
    inner join customers on responses.customer_id = customers.customer_id
    left join latest_orders on responses.response_id = latest_orders.response_id

)

select * from final
