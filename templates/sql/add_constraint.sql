ALTER TABLE {{ table }} ADD {{ constraint }}{% if not_valid %} NOT VALID{% endif %};
