{#
    The keyed pseudonym of `expression` (an id; `object_type` is an SQL expression naming its type) for `purpose`: HMAC-SHA256 under
    a key derived from PSEUDONYMISATION_KEY and the purpose (src/privacy_warehouse/pseudonyms.py), as 64 lowercase hex
    characters. The key is not in this SQL: each engine reads the purpose's key material as data.
    The object type is part of the input, so a customer and an order with the same raw id never share a pseudonym.
    Call it only in models/intermediate/private: pseudonyms are computed once per object there.
#}
{% macro pseudonymise(purpose, object_type, expression) -%}
    {{ return(adapter.dispatch('pseudonymise', 'privacy_warehouse')(purpose, object_type, expression)) }}
{%- endmacro %}

{#
    On DuckDB the plugin privacy_warehouse.duckdb_plugin loads the HMAC pads of every purpose key,
    K0 ^ ipad and K0 ^ opad (RFC 2104), into the connection's temporary table
    temp.main.pseudonym_hmac_pads (memory only, never the warehouse file); HMAC-SHA256 is then two
    sha256() over bytes: SHA256(opad || SHA256(ipad || message)), the message being the UTF-8 bytes.
    DuckDB's vectorised sha256 runs this about 4x faster than a Python HMAC per value. A purpose
    without pads stops the query (a null pseudonym would pass for "no value").
#}
{% macro duckdb__pseudonymise(purpose, object_type, expression) -%}
    sha256(
        coalesce(
            (select pads.outer_pad from temp.main.pseudonym_hmac_pads as pads where pads.purpose = '{{ purpose }}'),
            error('No pseudonymisation pads for purpose {{ purpose }}: is it in seeds/policy/policy_purposes.csv?')
        )
        || unhex(sha256(
            (select pads.inner_pad from temp.main.pseudonym_hmac_pads as pads where pads.purpose = '{{ purpose }}')
            || encode({{ object_type }} || ':' || cast({{ expression }} as varchar))
        ))
    )
{%- endmacro %}

{#
    On PostgreSQL the loader (`privacy-warehouse load-postgres`) writes each purpose's derived key
    into private.pseudonym_purpose_keys, readable by the build role only; the SQL reads it by a
    subquery, so the key is in neither this SQL nor target/. pgcrypto's hmac() over the UTF-8
    bytes, hex-encoded, is byte-identical to the DuckDB function. A purpose without a loaded key
    stops the build (a null pseudonym would pass for "no value").
#}
{% macro postgres__pseudonymise(purpose, object_type, expression) -%}
    {%- if execute -%}
        {%- set found = run_query(
            "select count(*) from information_schema.tables where table_schema = 'private' and table_name = 'pseudonym_purpose_keys'"
        ).columns[0].values()[0] -%}
        {%- if found == 0 or run_query(
            "select count(*) from private.pseudonym_purpose_keys where purpose = '" ~ purpose ~ "'"
        ).columns[0].values()[0] == 0 -%}
            {{ exceptions.raise_compiler_error(
                "No pseudonymisation key for purpose '" ~ purpose ~ "' in private.pseudonym_purpose_keys: "
                ~ "run `privacy-warehouse load-postgres` (it loads the landing zone and the purpose keys) first."
            ) }}
        {%- endif -%}
    {%- endif -%}
    encode(
        hmac(
            convert_to({{ object_type }} || ':' || cast({{ expression }} as varchar), 'UTF8'),
            (select purpose_keys.purpose_key from private.pseudonym_purpose_keys as purpose_keys where purpose_keys.purpose = '{{ purpose }}'),
            'sha256'
        ),
        'hex'
    )
{%- endmacro %}

{#
    On Spark (no HMAC in Spark SQL) the loader (`privacy-warehouse load-spark`) writes each
    purpose key's HMAC pads, K0 ^ ipad and K0 ^ opad (RFC 2104), into private.pseudonym_hmac_pads;
    HMAC-SHA256 is then two sha2() over binary: SHA256(opad || SHA256(ipad || message)), the
    message being the UTF-8 bytes, hex-encoded in lowercase as on DuckDB. The pads are read by
    subquery, so the key is in neither this SQL nor target/.
#}
{% macro spark__pseudonymise(purpose, object_type, expression) -%}
    {%- if execute -%}
        {%- set pads = adapter.get_relation(database=none, schema='private', identifier='pseudonym_hmac_pads') -%}
        {%- if pads is none or run_query(
            "select count(*) from private.pseudonym_hmac_pads where purpose = '" ~ purpose ~ "'"
        ).columns[0].values()[0] == 0 -%}
            {{ exceptions.raise_compiler_error(
                "No pseudonymisation key for purpose '" ~ purpose ~ "' in private.pseudonym_hmac_pads: "
                ~ "run `privacy-warehouse load-spark` (it loads the landing zone and the purpose key pads) first."
            ) }}
        {%- endif -%}
    {%- endif -%}
    sha2(
        concat(
            (select pads.outer_pad from private.pseudonym_hmac_pads as pads where pads.purpose = '{{ purpose }}'),
            unhex(sha2(
                concat(
                    (select pads.inner_pad from private.pseudonym_hmac_pads as pads where pads.purpose = '{{ purpose }}'),
                    cast({{ object_type }} || ':' || cast({{ expression }} as string) as binary)
                ),
                256
            ))
        ),
        256
    )
{%- endmacro %}

{% macro default__pseudonymise(purpose, object_type, expression) -%}
    {{ exceptions.raise_compiler_error("pseudonymise() has no implementation for " ~ target.type ~ ": add one that keeps the key out of the SQL.") }}
{%- endmacro %}
