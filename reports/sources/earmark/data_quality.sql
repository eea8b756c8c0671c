-- Raw lines to clean lines, input file by rule.
select
    data_quality_rule_id,
    input_file,
    rule,
    rule_order,
    row_outcome,
    description,
    rows_assigned,
    rows_flagged,
    input_rows::double as input_rows,
    share_of_input_rows,
    value_assigned
from main.data_quality
