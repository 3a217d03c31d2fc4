with source as (

    select * from {{ ref('base_booking__agreements') }}
    where rejection_reason is null

),

renamed as (

    select
        ---------- ids
        agreement_id,
        customer_id,

        ---------- dates
        started_on,
        {#- A termination after as_of had not happened yet on the evaluation date. #}
        {{ known_on_as_of('terminated_on') }} as terminated_on

    from source

)

select * from renamed
