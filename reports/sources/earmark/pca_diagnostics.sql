-- Variance explained and loadings of each principal component.
select * from main.pca_diagnostics
