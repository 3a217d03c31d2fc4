{{ config(meta={
    'purpose': 'business_development',
    'retention': [{'subject_type': 'customer', 'key_column': 'customer_key'}],
    'k_anonymity': {'people': {
        'key_column': 'customer_key', 'object_type': 'customer', 'one_row_per_person': true,
        'blank_before_suppressing': ['home_area'],
        'search': {'relation': 'private.int_bizdev_customer_segments', 'person': 'customer_id'},
    }},
}) }}

{#
    Every column but the pseudonym is a quasi-identifier (docs/attacker-model.md), published at
    the level its YAML declares (meta.privacy); customers in a class of fewer than k are
    suppressed here and from every other business-development table.
#}
with classed as (

    select * from {{ ref('int_bizdev_customers_classed') }}
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
        {{ published_column_list('dim_customers', 'classed') }}
    from classed
    inner join keys on classed.customer_id = keys.object_id

)

select * from final
