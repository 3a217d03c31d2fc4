{# Every row of legal.legal_holds with its verdict; the rules are the contract's, read from the source meta. #}
-- depends_on: {{ ref('base_booking__customers') }}
{{ check_landing_table('legal', 'legal_holds') }}
