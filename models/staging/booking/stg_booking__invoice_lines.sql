with source as (

    select * from {{ ref('base_booking__invoice_lines') }}
    where rejection_reason is null

),

renamed as (

    select
        ---------- ids
        record_id as invoice_line_id,
        invoice_id,
        order_id,

        ---------- numerics
        cast(amount_sek as decimal(12, 2)) as amount_sek

    from source

)

select * from renamed
