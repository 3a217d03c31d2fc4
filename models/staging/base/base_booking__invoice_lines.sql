{# Every row of booking.invoice_lines with its verdict; the rules are the contract's, read from the source meta. #}
{{ check_landing_table('booking', 'invoice_lines') }}
