ALTER TABLE {{ table }} ALTER COLUMN {{ column }} TYPE {{ data_type }}{% if let Some(u) = using %} USING {{ u }}{% endif %};
