{#- A country code's shape (ISO 3166-1 alpha-2); which codes exist, privacy_closed_vocabulary checks against the seed. -#}
{% macro place_country_pattern() -%}[A-Z]{2}{%- endmacro %}
