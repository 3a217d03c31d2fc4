{# Every row of booking.agreements with its verdict; the rules are the contract's, read from the source meta. #}
-- depends_on: {{ ref('base_booking__customers') }}
{{ check_landing_table('booking', 'agreements') }}
