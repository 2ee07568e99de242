DROP TYPE {{ name }};
