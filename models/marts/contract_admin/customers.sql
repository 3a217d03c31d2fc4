{{ config(meta={
    'purpose': 'contract_administration',
    'retention': [{'subject_type': 'customer', 'id_column': 'customer_id'}],
}) }}

{#
    One row per customer inside the contract-administration window (the relationship + 36
    months, legal holds extending it): what customer service needs to serve the contract.
#}
with customers as (

    select * from {{ ref('stg_booking__customers') }}

),

relationships as (

    select * from {{ ref('int_customers_relationship') }}

),

eligible as (

    select
        subject_id as customer_id,
        retention_until
    from {{ ref('int_subject_purpose_eligibility') }}
    where subject_type = 'customer' and purpose = 'contract_administration' and is_eligible

),

final as (

    select
        customers.customer_id,
        customers.customer_type,
        customers.personnummer,
        customers.organisation_number,
        customers.customer_name,
        customers.email,
        customers.phone,
        customers.street_address,
        customers.postal_code,
        customers.city,
        customers.country_code,
        customers.username,
        customers.created_at,
        relationships.relationship_state,
        relationships.is_relationship_open,
        relationships.relationship_ended_on,
        eligible.retention_until
    from customers
    inner join eligible on customers.customer_id = eligible.customer_id
    inner join relationships on customers.customer_id = relationships.customer_id

)

select * from final
