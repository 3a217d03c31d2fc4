{# Every row of booking.orders with its verdict; the rules are the contract's, read from the source meta. #}
-- depends_on: {{ ref('reference_country_codes') }}
{{ check_landing_table('booking', 'orders') }}
