{# Every row of web.page_views with its verdict; the rules are the contract's, read from the source meta. #}
{{ check_landing_table('web', 'page_views') }}
