with source as (

    select * from {{ ref('base_crm__leads') }}
    where rejection_reason is null

),

renamed as (

    select
        ---------- ids
        lead_id,

        ---------- strings
        trim(source) as lead_source,
        trim(name) as lead_name,
        lower(trim(email)) as email,
        trim(phone) as phone,
        trim(company) as company_name,

        ---------- timestamps
        obtained_at,
        cast(obtained_at as date) as obtained_on

    from source

)

select * from renamed
