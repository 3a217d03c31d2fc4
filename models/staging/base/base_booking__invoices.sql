{# Every row of booking.invoices with its verdict; the rules are the contract's, read from the source meta. #}
{{ check_landing_table('booking', 'invoices') }}
