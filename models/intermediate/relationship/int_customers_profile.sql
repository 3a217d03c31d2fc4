{#
    Generalised attributes of each customer, the quasi-identifiers of the business-development
    marts: never the birth date, sex (the personnummer's ninth digit) or postal code itself.
#}
with customers as (

    select * from {{ ref('stg_booking__customers') }}

),

orders as (

    select * from {{ ref('stg_booking__orders') }}

),

order_months as (

    select
        customer_id,
        min(ordered_on) as first_ordered_on,
        max(ordered_on) as last_ordered_on
    from orders
    group by customer_id

),

ages as (

    select
        customer_id,
        {#- Age on as_of from the personnummer's date (a samordningsnummer's day minus 60). -#}
        case when personnummer is not null then
            {{ full_years_between(
                make_date_from_parts('substr(personnummer, 1, 4)', 'substr(personnummer, 5, 2)',
                    'cast(substr(personnummer, 7, 2) as integer) - case when cast(substr(personnummer, 7, 2) as integer) > 60 then 60 else 0 end'),
                as_of_date()) }}
        end as age_years,
        {{ full_years_between('created_on', as_of_date()) }} as tenure_years
    from customers

),

final as (

    select
        customers.customer_id,
        customers.customer_type,
        {{ age_band('ages.age_years', 'customers.customer_type') }} as age_band,
        {{ postal_area('customers.postal_code', 'customers.country_code') }} as postal_area,
        {{ postal_area('customers.postal_code', 'customers.country_code', digits=1) }} as postal_region,
        case
            when ages.tenure_years < 1 then 'under_1_year'
            when ages.tenure_years < 3 then '1_2_years'
            when ages.tenure_years < 5 then '3_4_years'
            else '5_years_plus'
        end as tenure_band,
        order_months.first_ordered_on,
        order_months.last_ordered_on
    from customers
    inner join ages on customers.customer_id = ages.customer_id
    left join order_months on customers.customer_id = order_months.customer_id

)

select * from final
