{#
    A page path as a route of the site's route list (seed reference_site_routes): lower-cased,
    without query string, fragment or trailing slash, and with every path segment that holds a
    digit replaced by `{id}` (order, invoice and parcel numbers, personnummer, phone numbers).
    The result is only a key to look the route up by: what is published is the seed's route, or
    `other` when none matches, never this text itself.
#}
{% macro site_route_template(path) -%}
    {%- set bare = "lower(split_part(split_part(" ~ path ~ ", '?', 1), '#', 1))" -%}
    {%- set templated = replace_all_matches(bare, '/[^/]*[0-9][^/]*', '/{id}') -%}
    case
        when right({{ templated }}, 1) = '/' and length({{ templated }}) > 1
            then left({{ templated }}, length({{ templated }}) - 1)
        else {{ templated }}
    end
{%- endmacro %}
