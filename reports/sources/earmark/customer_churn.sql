-- Churn risk of today's customers with their top three drivers (SHAP) in plain words.
select * from main.customer_churn
