with

source as (

    select * from {{ raw_source_or_empty('truth_defects') }}

),

renamed as (

    select
        cast(file as {{ dbt.type_string() }}) || ':' || cast(defect as {{ dbt.type_string() }}) as defect_id,
        cast(file as {{ dbt.type_string() }}) as input_file,
        cast(defect as {{ dbt.type_string() }}) as defect,
        cast(row_count as bigint) as row_count

    from source

)

select * from renamed
