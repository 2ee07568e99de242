DROP SCHEMA {{ name }};
