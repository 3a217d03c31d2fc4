{# Every row of consent.consent_events with its verdict; the rules are the contract's, read from the source meta. #}
{{ check_landing_table('consent', 'consent_events') }}
