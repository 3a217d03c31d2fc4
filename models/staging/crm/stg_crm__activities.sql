with source as (

    select * from {{ ref('base_crm__activities') }}
    where rejection_reason is null

),

renamed as (

    select
        ---------- ids
        activity_id,
        trim(subject_type) as subject_type,
        subject_id,
        trim(owner) as sales_rep_id,

        ---------- strings
        trim(kind) as activity_kind,
        notes,

        ---------- timestamps
        occurred_at,
        cast(occurred_at as date) as occurred_on

    from source

)

select * from renamed
