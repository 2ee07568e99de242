ALTER {{ object }} SET SCHEMA {{ schema }};
