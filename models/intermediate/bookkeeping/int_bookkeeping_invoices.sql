{#
    Every invoice the bookkeeping obligation covers (register decision 5; docs/decisions-bookkeeping.md):
    the accepted ones, and those rejected only because their customer row was rejected. Such an
    invoice passed every rule of its own (a reference is the last rule checked), and rejecting
    its customer must not end the obligation to keep it. It stays in compliance.rejected_rows
    (is_kept_for_legal_obligation) and shows nothing of the rejected customer row: only what
    the invoice itself says, with customer_row_rejected.
#}
with accepted as (

    select
        invoice_id,
        customer_id,
        billing_name,
        billing_address,
        total_sek,
        invoiced_on,
        due_on,
        false as customer_row_rejected
    from {{ ref('stg_booking__invoices') }}

),

{# Typed as stg_booking__invoices types its rows. #}
kept as (

    select
        invoices.invoice_id,
        invoices.customer_id,
        trim(invoices.billing_name) as billing_name,
        trim(invoices.billing_address) as billing_address,
        cast(invoices.total_sek as decimal(12, 2)) as total_sek,
        invoices.invoice_date as invoiced_on,
        invoices.due_date as due_on,
        true as customer_row_rejected
    from {{ ref('base_booking__invoices') }} as invoices
    where {{ rejected_only_because_of_a_parent('invoices', 'booking.invoices', 'customer_id') }}

)

select * from accepted
union all
select * from kept
