{{ config(meta={
    'purpose': 'business_development',
    'retention': [{'owner_of': 'order', 'key_column': 'order_key'}],
    'k_anonymity': {'people': {
        'key_column': 'order_key', 'object_type': 'order',
        'blank_before_suppressing': ['lead_time_band_hours', 'weight_band_kg', 'price_band_sek', 'is_on_time'],
        'search': {'relation': 'private.int_bizdev_orders_exact', 'person': 'customer_id'},
    }},
}) }}

{#
    Orders at the levels the YAML declares (meta.privacy), in classes of at least k customers.
    No customer pseudonym: with one, an attacker who knows two of a person's orders finds
    their other orders (k^m, docs/attacker-model.md); the per-customer view is dim_customers.
#}
with classed as (

    select * from {{ ref('int_bizdev_orders_classed') }}
    where not is_suppressed

),

keys as (

    select
        object_id,
        pseudonym
    from {{ ref('int_bizdev_pseudonym_keys') }}
    where object_type = 'order'

),

final as (

    select
        keys.pseudonym as order_key,
        {{ published_column_list('fct_orders', 'classed') }}
    from classed
    inner join keys on classed.order_id = keys.object_id

)

select * from final
