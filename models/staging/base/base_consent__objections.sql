{# Every row of consent.objections with its verdict; the rules are the contract's, read from the source meta. #}
{{ check_landing_table('consent', 'objections') }}
