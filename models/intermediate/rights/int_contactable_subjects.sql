{#
    One row per person sales and marketing may address, with their contact details: customers,
    and leads that never became customers (a converted lead is addressed as its customer, so
    nobody is contacted twice). Eligibility per purpose is joined where it is used.
#}
with customers as (

    select
        'customer' as subject_type,
        customer_id as subject_id,
        customer_name as contact_name,
        cast(null as {{ varchar_type() }}) as company_name,
        email,
        phone,
        street_address,
        postal_code,
        city,
        country_code
    from {{ ref('stg_booking__customers') }}

),

leads as (

    select
        'lead' as subject_type,
        leads.lead_id as subject_id,
        leads.lead_name as contact_name,
        leads.company_name,
        leads.email,
        leads.phone,
        cast(null as {{ varchar_type() }}) as street_address,
        cast(null as {{ varchar_type() }}) as postal_code,
        cast(null as {{ varchar_type() }}) as city,
        cast(null as {{ varchar_type() }}) as country_code
    from {{ ref('stg_crm__leads') }} as leads
    inner join {{ ref('int_leads_converted') }} as conversions on leads.lead_id = conversions.lead_id
    where not conversions.is_converted

)

select * from customers
union all
select * from leads
