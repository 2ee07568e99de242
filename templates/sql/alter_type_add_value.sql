ALTER TYPE {{ name }} ADD VALUE {{ value }}{% if let Some(p) = position %} {{ p }}{% endif %};
