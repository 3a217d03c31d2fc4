with source as (

    select * from {{ ref('base_web__form_submissions') }}
    where rejection_reason is null

),

renamed as (

    select
        ---------- ids
        submission_id,
        nullif(trim(visitor_id), '') as visitor_id,
        nullif(trim(lead_id), '') as lead_id,
        nullif(trim(customer_id), '') as customer_id,

        ---------- strings
        trim(form) as form_name,
        trim(name) as submitter_name,
        lower(trim(email)) as email,
        trim(phone) as phone,
        trim(company) as company_name,
        message,

        ---------- timestamps
        submitted_at,
        cast(submitted_at as date) as submitted_on

    from source

)

select * from renamed
