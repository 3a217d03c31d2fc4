{#
    Prospects (register decision 3) and their conversion: a lead that became a customer follows
    the customer rule from then on (register, marketing and sales retention).
#}
with leads as (

    select * from {{ ref('stg_crm__leads') }}

),

customers as (

    select * from {{ ref('stg_booking__customers') }}

),

conversions as (

    {#- A lead converted twice keeps its first customer; the others are counted in has_more. -#}
    select
        lead_id,
        min(customer_id) as converted_customer_id,
        min(created_on) as converted_on,
        count(*) as converted_customer_count
    from customers
    where lead_id is not null
    group by lead_id

),

final as (

    select
        leads.lead_id,
        leads.lead_source,
        leads.obtained_on,
        conversions.converted_customer_id,
        conversions.converted_on,
        conversions.converted_customer_id is not null as is_converted
    from leads
    left join conversions on leads.lead_id = conversions.lead_id

)

select * from final
