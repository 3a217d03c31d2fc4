{#
    fct_orders before publication: each order's quasi-identifiers at the levels fct_orders
    declares, the customers sharing them, and whether that class is under k.
#}
{{ k_anonymous_classes(ref('int_bizdev_orders_exact'), 'order_id', 'exact.customer_id', 'fct_orders') }}
