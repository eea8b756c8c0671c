-- The defensibility verdict, criterion by criterion.
select * from main.segmentation_verdict
