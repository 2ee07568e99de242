GRANT {{ privileges }} ON {{ object }} TO {{ roles }}{% if grant_option %} WITH GRANT OPTION{% endif %};
