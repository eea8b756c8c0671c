-- RFM segments: size, distinctive traits, KPI deltas, recommended actions and risks.
select * from main.segment_summary
