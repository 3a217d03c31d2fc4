{#
    What k-anonymity cost: how many customers were generalised to a coarser area and how many
    suppressed from bizdev.dim_customers, per quasi-identifier group size. No subject ids.
#}
with segments as (

    select * from {{ ref('int_bizdev_customer_segments') }}

),

final as (

    select
        'bizdev.dim_customers' as model_name,
        {{ var('k_anonymity') }} as k,
        count(*) as eligible_customers,
        sum(case when home_area_level = 'postal_region' then 1 else 0 end) as generalised_customers,
        sum(case when is_suppressed then 1 else 0 end) as suppressed_customers,
        {{ as_of_date() }} as as_of
    from segments

)

select * from final
