with source as (

    select * from {{ ref('base_legal__legal_holds') }}
    where rejection_reason is null

),

renamed as (

    select
        ---------- ids
        hold_id as legal_hold_id,
        customer_id,

        ---------- strings
        trim(reason) as hold_reason,

        ---------- dates
        opened_on,
        {#- A hold closed after as_of was still open on the evaluation date. #}
        {{ known_on_as_of('closed_on') }} as closed_on

    from source

)

select * from renamed
