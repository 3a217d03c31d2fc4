{#
    Every raw identifier value of the landing zone (private.leak_scan_identifiers) and its unkeyed
    MD5, SHA-1 and SHA-256: the values no pseudonymised output may contain. Computed once, so the
    leak scan of each mart is a join, not a rescan of the landing zone. Raw values shorter than 6
    characters (card_last4) are left out, since they would match ordinary numbers; their hashes
    are kept.

    Incremental, because a value's hashes never change: a daily build hashes only the values new
    since the last build (or whose first source changed). The post-hook removes the values no
    longer in the landing zone, so the table holds exactly what a full rebuild would.
#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['identifier_value'],
    on_schema_change='fail',
    post_hook=[
        "delete from {{ this }} as kept
         where not exists (
             select 1 from {{ ref('leak_scan_identifiers') }} as identifiers
             where identifiers.identifier_value = kept.identifier_value
         )"
    ],
) }}

with identifiers as (

    select
        identifier_value,
        identifier_source
    from {{ ref('leak_scan_identifiers') }}

),

identifiers_to_hash as (

    select identifiers.*
    from identifiers
    {%- if is_incremental() %}
    where not exists (
        select 1
        from {{ this }} as scanned
        where
            scanned.identifier_value = identifiers.identifier_value
            and scanned.identifier_source = identifiers.identifier_source
    )
    {%- endif %}

),

final as (

    select
        identifier_value as scan_value,
        identifier_value,
        identifier_source,
        'raw value' as value_form
    from identifiers_to_hash
    where length(identifier_value) >= 6
    {%- for algorithm in ['md5', 'sha1', 'sha256'] %}
        union all
        select
            {{ unkeyed_hash(algorithm, 'identifier_value') }} as scan_value,
            identifier_value,
            identifier_source,
            'unkeyed {{ algorithm }}' as value_form
        from identifiers_to_hash
    {%- endfor %}

)

select * from final
