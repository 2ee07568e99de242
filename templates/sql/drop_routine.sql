DROP {{ routine }};
