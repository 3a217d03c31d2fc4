{#
    The exact profile of every customer inside the business-development window: what
    dim_customers generalises (int_bizdev_customers_classed) and what the segment aggregates
    group by. Private: raw ids, exact dates.
#}
with eligible as (

    select subject_id as customer_id
    from {{ ref('int_subject_purpose_eligibility') }}
    where subject_type = 'customer' and purpose = 'business_development' and is_eligible

),

profiles as (

    select profiles.*
    from {{ ref('int_customers_profile') }} as profiles
    inner join eligible on profiles.customer_id = eligible.customer_id

),

final as (

    select
        customer_id,
        customer_type,
        age_band,
        postal_area,
        postal_region,
        tenure_band,
        first_ordered_on,
        last_ordered_on
    from profiles

)

select * from final
