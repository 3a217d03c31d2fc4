{#
    k-anonymity of the business-development customer dimension (issue: a rare combination of age,
    area and service can single a person out). Quasi-identifiers: customer type, age band, home
    area, tenure band. A customer in a group under k (var k_anonymity) gets the coarser postal
    region; one still under k is suppressed from dim_customers and counted in
    compliance.k_anonymity_suppressions.
#}
{%- set k = var('k_anonymity') %}

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

by_postal_area as (

    select
        *,
        count(*) over (partition by customer_type, age_band, postal_area, tenure_band) as postal_area_group_size
    from profiles

),

generalised as (

    select
        *,
        case when postal_area_group_size >= {{ k }} then postal_area else postal_region end as home_area,
        case when postal_area_group_size >= {{ k }} then 'postal_area' else 'postal_region' end as home_area_level
    from by_postal_area

),

final as (

    select
        *,
        count(*) over (partition by customer_type, age_band, home_area, tenure_band) as group_size,
        count(*) over (partition by customer_type, age_band, home_area, tenure_band) < {{ k }} as is_suppressed
    from generalised

)

select * from final
