CREATE SEQUENCE {{ name }}{{ options }};
