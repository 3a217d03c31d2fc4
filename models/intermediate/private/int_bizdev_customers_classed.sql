{#
    dim_customers before publication: each eligible customer's quasi-identifiers at the levels
    dim_customers declares, the customers sharing them, and whether that class is under k.
    A suppressed customer is left out of every published business-development table
    (consistent suppression: hidden here, not findable through fct_orders or fct_web_sessions).
#}
{{ k_anonymous_classes(ref('int_bizdev_customer_segments'), 'customer_id', 'exact.customer_id', 'dim_customers') }}
