with source as (

    select * from {{ ref('base_booking__invoices') }}
    where rejection_reason is null

),

renamed as (

    select
        ---------- ids
        invoice_id,
        customer_id,

        ---------- strings
        trim(billing_name) as billing_name,
        trim(billing_address) as billing_address,

        ---------- numerics
        cast(total_sek as decimal(12, 2)) as total_sek,

        ---------- dates
        invoice_date as invoiced_on,
        due_date as due_on

    from source

)

select * from renamed
