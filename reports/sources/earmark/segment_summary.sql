-- RFM segments: size, distinctive traits, KPI deltas, recommended actions and risks; the slug names
-- the segment's page.
select
    *,
    lower(replace(rfm_segment, ' ', '-')) as segment_slug
from main.segment_summary
