REVOKE {% if grant_option %}GRANT OPTION FOR {% endif %}{{ privileges }} ON {{ object }} FROM {{ roles }};
