{#
    Shapes of personal data a published value must never have, whatever column it is in:
    the leak scan and the Great Expectations suites both read this one list.
#}
{% macro personal_data_shapes() -%}
    {{ return({
        'personnummer': '.*[0-9]{6}([0-9]{2})?[-+]?[0-9]{4}.*',
        'email': '.*[^@ ]+@[^@ ]+[.][A-Za-z]{2,}.*',
        'phone': '.*([+]46|0046|\\b0)7[0-9][ -]?[0-9]{3}[ -]?[0-9]{2}[ -]?[0-9]{2}.*',
        'ipv4': '.*[0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}.*',
        'ipv6': '.*(([0-9A-Fa-f]{1,4}:){3,7}[0-9A-Fa-f]{1,4}|[0-9A-Fa-f]{1,4}::[0-9A-Fa-f]{0,4}).*',
    }) }}
{%- endmacro %}
