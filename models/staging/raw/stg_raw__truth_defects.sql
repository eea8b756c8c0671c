with

source as (

    select * from {{ raw_source_or_empty('truth_defects') }}

),

renamed as (

    select
        cast(file as varchar) || ':' || cast(defect as varchar) as defect_id,
        cast(file as varchar) as input_file,
        cast(defect as varchar) as defect,
        cast(row_count as bigint) as row_count

    from source

)

select * from renamed
