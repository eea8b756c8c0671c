-- Every criterion of the choice of k, for every k tried.
select * from main.cluster_model_selection
