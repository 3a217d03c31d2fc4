{#
    A postal code generalised to its postal area: the first two digits of a Swedish code
    ('SE-11'), or only the country abroad. Never the code itself: a five-digit code can hold a
    handful of households. `digits=1` gives the coarser postal region ('SE-1').
#}
{% macro postal_area(postal_code, country_code, digits=2) -%}
    case
        when {{ country_code }} = 'SE' and {{ postal_code }} is not null
            then 'SE-' || substr(replace({{ postal_code }}, ' ', ''), 1, {{ digits }})
        else coalesce({{ country_code }}, 'unknown')
    end
{%- endmacro %}
