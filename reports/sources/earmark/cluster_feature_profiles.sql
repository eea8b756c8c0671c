-- Cluster by feature: mean against the whole base (z).
select * from main.cluster_feature_profiles
