{# One row per invoice line with its invoice's customer and date. #}
with lines as (

    select * from {{ ref('stg_booking__invoice_lines') }}

),

invoices as (

    select
        invoice_id,
        customer_id,
        invoiced_on
    from {{ ref('stg_booking__invoices') }}

),

final as (

    select
        lines.invoice_line_id,
        lines.invoice_id,
        lines.order_id,
        invoices.customer_id,
        invoices.invoiced_on
    from lines
    inner join invoices on lines.invoice_id = invoices.invoice_id

)

select * from final
