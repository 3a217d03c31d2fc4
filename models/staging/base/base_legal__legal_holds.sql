{# Every row of legal.legal_holds with its verdict; the rules are the contract's, read from the source meta. #}
{{ check_landing_table('legal', 'legal_holds') }}
