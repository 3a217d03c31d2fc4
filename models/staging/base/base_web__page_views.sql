{# Every row of web.page_views with its verdict; the rules are the contract's, read from the source meta. #}
-- depends_on: {{ ref('base_booking__customers') }}
{{ check_landing_table('web', 'page_views') }}
