{# Every row of booking.payments with its verdict; the rules are the contract's, read from the source meta. #}
{{ check_landing_table('booking', 'payments') }}
