{#
    The key map of business development: one keyed pseudonym per object, computed once and
    joined by the marts (hashing every fact row would cost a HMAC per row). Private schema: it
    links pseudonyms back to raw ids, so only the build and its tests read it.

    Incremental, because a pseudonym never changes while the key does not: a daily build
    computes HMACs only for objects new since the last build. `key_fingerprint` (the pseudonym
    of a fixed marker under the same key; it reveals nothing about the key) tells a map made
    under another key, whose rows are all recomputed. The post-hook removes the rows of objects
    no longer in the landing data, so the map holds exactly what a full rebuild would.
    On Spark (Parquet tables, no DELETE, and delete+insert would only append) it is a table
    rebuilt in full on every run: see the README, "Running on Spark".
#}
{{ config(
    materialized='table' if target.type == 'spark' else 'incremental',
    incremental_strategy='delete+insert',
    unique_key=['object_type', 'object_id'],
    on_schema_change='fail',
    post_hook=[] if target.type == 'spark' else [
        "delete from {{ this }} as kept
         where kept.key_fingerprint <> {{ pseudonymise('business_development', \"'key-fingerprint'\", \"'v1'\") }}
            or not exists (
                select 1 from {{ ref('int_bizdev_objects') }} as objects
                where objects.object_type = kept.object_type and objects.object_id = kept.object_id
            )"
    ],
) }}

with objects as (

    select
        object_type,
        object_id
    from {{ ref('int_bizdev_objects') }}

),

key_fingerprint as (

    select {{ pseudonymise('business_development', "'key-fingerprint'", "'v1'") }} as key_fingerprint

),

objects_to_pseudonymise as (

    select objects.*
    from objects
    {%- if is_incremental() %}
    where not exists (
        select 1
        from {{ this }} as mapped
        where
            mapped.object_type = objects.object_type
            and mapped.object_id = objects.object_id
            and mapped.key_fingerprint = (select key_fingerprint from key_fingerprint)
    )
    {%- endif %}

),

final as (

    select
        'business_development' as purpose,
        objects_to_pseudonymise.object_type,
        objects_to_pseudonymise.object_id,
        {{ pseudonymise('business_development', 'objects_to_pseudonymise.object_type', 'objects_to_pseudonymise.object_id') }} as pseudonym,
        key_fingerprint.key_fingerprint
    from objects_to_pseudonymise
    cross join key_fingerprint

)

select * from final
