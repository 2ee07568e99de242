CREATE SCHEMA {{ name }};
