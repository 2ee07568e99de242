CREATE TABLE {{ name }} PARTITION OF {{ parent }} FOR VALUES {{ bound }}{% if let Some(s) = storage %} WITH ({{ s }}){% endif %};
