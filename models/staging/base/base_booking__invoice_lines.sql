{# Every row of booking.invoice_lines with its verdict; the rules are the contract's, read from the source meta. #}
-- depends_on: {{ ref('base_booking__invoices') }}
-- depends_on: {{ ref('base_booking__orders') }}
{{ check_landing_table('booking', 'invoice_lines') }}
