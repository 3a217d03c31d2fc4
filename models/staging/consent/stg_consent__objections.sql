with source as (

    select * from {{ ref('base_consent__objections') }}
    where rejection_reason is null

),

renamed as (

    select
        ---------- ids
        objection_id,
        trim(subject_type) as subject_type,
        subject_id,

        ---------- strings
        trim(scope) as objection_scope,

        ---------- timestamps
        received_at,
        cast(received_at as date) as received_on

    from source

)

select * from renamed
