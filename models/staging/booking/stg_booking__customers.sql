with source as (

    select * from {{ ref('base_booking__customers') }}
    where rejection_reason is null

),

renamed as (

    select
        ---------- ids
        customer_id,
        nullif(trim(lead_id), '') as lead_id,

        ---------- strings
        trim(customer_type) as customer_type,
        trim(personnummer) as personnummer,
        trim(organisation_number) as organisation_number,
        trim(name) as customer_name,
        lower(trim(email)) as email,
        trim(phone) as phone,
        trim(street_address) as street_address,
        trim(postal_code) as postal_code,
        trim(city) as city,
        upper(trim(country_code)) as country_code,
        trim(username) as username,

        ---------- timestamps
        created_at,
        cast(created_at as date) as created_on

    from source

)

select * from renamed
