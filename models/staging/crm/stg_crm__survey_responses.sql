with source as (

    select * from {{ ref('base_crm__survey_responses') }}
    where rejection_reason is null

),

renamed as (

    select
        ---------- ids
        response_id,
        customer_id,

        ---------- numerics
        nps_score,

        ---------- strings
        comment as survey_comment,

        ---------- timestamps
        responded_at,
        cast(responded_at as date) as responded_on

    from source

)

select * from renamed
