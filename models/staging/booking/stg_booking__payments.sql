with source as (

    select * from {{ ref('base_booking__payments') }}
    where rejection_reason is null

),

renamed as (

    select
        ---------- ids
        payment_id,
        order_id,

        ---------- strings
        trim(method) as payment_method,
        trim(card_last4) as card_last4,

        ---------- numerics
        cast(amount_sek as decimal(12, 2)) as amount_sek,

        ---------- timestamps
        paid_at,
        cast(paid_at as date) as paid_on

    from source

)

select * from renamed
