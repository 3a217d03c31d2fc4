with source as (

    select * from {{ ref('base_booking__orders') }}
    where rejection_reason is null

),

renamed as (

    select
        ---------- ids
        order_id,
        customer_id,

        ---------- strings
        trim(service) as service,
        trim(pickup_postal_code) as pickup_postal_code,
        trim(pickup_city) as pickup_city,
        trim(delivery_postal_code) as delivery_postal_code,
        trim(delivery_city) as delivery_city,
        upper(trim(delivery_country_code)) as delivery_country_code,
        trim(recipient_name) as recipient_name,
        trim(recipient_phone) as recipient_phone,

        ---------- numerics
        cast(weight_kg as decimal(9, 2)) as weight_kg,
        cast(price_sek as decimal(12, 2)) as price_sek,

        ---------- timestamps
        ordered_at,
        cast(ordered_at as date) as ordered_on,
        promised_by as promised_by_at,
        {#- Deliveries and cancellations after as_of had not happened yet on the evaluation date. #}
        {{ known_on_as_of('delivered_at') }} as delivered_at,
        {{ known_on_as_of('cancelled_at') }} as cancelled_at

    from source

)

select * from renamed
