-- One row per cluster: size, outliers, bootstrap stability and persona.
select * from main.cluster_profiles
