-- Customer lifetime value per customer (BG/NBD x Gamma-Gamma over the horizon).
select * from main.customer_value
