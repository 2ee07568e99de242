//! "Did you mean": the candidate nearest to a mistyped name, judged by Jaro-Winkler
//! similarity as cargo and clap judge nearness.

/// How near a candidate must be to be offered.
const NEAR: f64 = 0.8;

/// The candidate nearest to `name`, if one is near enough; of two as near, the first in
/// the order of the text, so that the answer does not depend on the candidates' order.
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score > NEAR)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// The help line for a near candidate.
pub fn did_you_mean(near: &str) -> String {
    format!("did you mean `{near}`?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_near_name_is_offered_and_a_far_one_is_not() {
        assert_eq!(nearest("emial", ["email", "name", "id"]), Some("email"));
        assert_eq!(nearest("users", ["user", "usrs"]), Some("user"));
        assert_eq!(nearest("zzz", ["email", "name"]), None);
        assert_eq!(nearest("email", ["email"]), None);
        // The same answer whatever the order.
        assert_eq!(nearest("ab", ["abc", "abd"]), nearest("ab", ["abd", "abc"]));
    }
}
