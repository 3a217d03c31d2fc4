{{ config(meta={
    'purpose': 'business_development',
    'retention': [{'anonymous': true}],
    'k_anonymity': {'count_column': 'customer_count'},
}) }}

{#
    Customer satisfaction by segment and month, from survey scores of customers inside the
    business-development window. The free-text comment never leaves staging; a cell describing
    fewer than k customers is left out.
#}
with responses as (

    select * from {{ ref('stg_crm__survey_responses') }}

),

segments as (

    {#- The customers published in dim_customers: one population with the row-level tables. -#}
    select
        segments.customer_id,
        segments.customer_type,
        segments.age_band
    from {{ ref('int_bizdev_customer_segments') }} as segments
    inner join {{ ref('int_bizdev_customers_classed') }} as classed
        on segments.customer_id = classed.customer_id and not classed.is_suppressed

),

cells as (

    select
        segments.customer_type,
        segments.age_band,
        {{ month_start('responses.responded_on') }} as response_month,
        count(*) as response_count,
        count(distinct responses.customer_id) as customer_count,
        {{ double_to_decimal(avg_double('responses.nps_score'), 5, 2) }} as average_score,
        {{ double_to_decimal(divide_double(
            '100.0 * (sum(case when responses.nps_score >= 9 then 1 else 0 end)'
            ~ ' - sum(case when responses.nps_score <= 6 then 1 else 0 end))',
            'count(*)'), 6, 2) }} as net_promoter_score
    from responses
    inner join segments on responses.customer_id = segments.customer_id
    group by 1, 2, 3

),

final as (

    select * from cells
    where customer_count >= {{ var('k_anonymity') }}

)

select * from final
