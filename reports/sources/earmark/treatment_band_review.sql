-- The treatment bands against the expected purchases and value they imply.
select * from main.treatment_band_review
