{#
    Every raw identifier value of the landing zone (private.leak_scan_identifiers) with the first
    12 hex digits of its unkeyed MD5, SHA-1 and SHA-256: what no pseudonymised output may contain.
    Computed once, so the leak scan of each mart is a join, not a rescan of the landing zone.

    One row per value with prefixes, not a row per value and hash with the whole hash: at scale 10
    that was 160 million rows of 64-character strings (minutes to write, gigabytes to spill).
    A 12-digit prefix finds the candidates; the test confirms each with the whole hash of the
    value (tests/generic/privacy_no_identifier_leaks.sql), so a shared prefix never passes as a leak.

    Incremental, because a value's hashes never change: a daily build hashes only the values new
    since the last build (or whose first source changed). The post-hook removes the values no
    longer in the landing zone, so the table holds exactly what a full rebuild would.
    On Spark (Parquet tables, no DELETE, and delete+insert would only append) it is a table
    rebuilt in full on every run: see the README, "Running on Spark".
#}
{{ config(
    materialized='table' if target.type == 'spark' else 'incremental',
    incremental_strategy='delete+insert',
    unique_key=['identifier_value'],
    on_schema_change='fail',
    post_hook=[] if target.type == 'spark' else [
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
        identifier_value,
        identifier_source,
        left({{ unkeyed_hash('md5', 'identifier_value') }}, 12) as md5_prefix,
        left({{ unkeyed_hash('sha1', 'identifier_value') }}, 12) as sha1_prefix,
        left({{ unkeyed_hash('sha256', 'identifier_value') }}, 12) as sha256_prefix
    from identifiers_to_hash

)

select * from final
