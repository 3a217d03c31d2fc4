{# Analyst question: how satisfied is each segment, month by month? From bizdev only. #}
with satisfaction as (

    select * from {{ ref('fct_satisfaction') }}

),

final as (

    select
        customer_type,
        age_band,
        response_month,
        response_count,
        average_score,
        net_promoter_score
    from satisfaction

)

select * from final
order by customer_type, age_band, response_month
