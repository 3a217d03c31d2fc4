{{ config(meta={
    'purpose': 'business_development',
    'retention': [{'subject_type': 'customer', 'key_column': 'customer_key'}],
    'quasi_identifiers': ['customer_type', 'age_band', 'home_area', 'tenure_band'],
}) }}

with segments as (

    select * from {{ ref('int_bizdev_customer_segments') }}
    where not is_suppressed

),

keys as (

    select
        object_id,
        pseudonym
    from {{ ref('int_bizdev_pseudonym_keys') }}
    where object_type = 'customer'

),

final as (

    select
        keys.pseudonym as customer_key,
        segments.customer_type,
        segments.age_band,
        segments.home_area,
        segments.home_area_level,
        segments.tenure_band,
        {{ month_start('segments.first_ordered_on') }} as first_order_month,
        {{ month_start('segments.last_ordered_on') }} as last_order_month
    from segments
    inner join keys on segments.customer_id = keys.object_id

)

select * from final
