//! RFC 2119 modality of requirement text.

use serde::{Deserialize, Serialize};

/// The strongest RFC 2119 keyword of a requirement, written in capitals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Modality {
    MustNot,
    Must,
    ShallNot,
    Shall,
    Required,
    ShouldNot,
    Should,
    Recommended,
    May,
    Optional,
}

impl Modality {
    pub fn keyword(self) -> &'static str {
        match self {
            Modality::MustNot => "MUST NOT",
            Modality::Must => "MUST",
            Modality::ShallNot => "SHALL NOT",
            Modality::Shall => "SHALL",
            Modality::Required => "REQUIRED",
            Modality::ShouldNot => "SHOULD NOT",
            Modality::Should => "SHOULD",
            Modality::Recommended => "RECOMMENDED",
            Modality::May => "MAY",
            Modality::Optional => "OPTIONAL",
        }
    }

    pub fn is_negative(self) -> bool {
        matches!(
            self,
            Modality::MustNot | Modality::ShallNot | Modality::ShouldNot
        )
    }

    /// Rank for choosing the strongest keyword of a text: absolute ones before recommendations
    /// before permissions, prohibitions before obligations of the same strength.
    fn strength(self) -> u8 {
        match self {
            Modality::MustNot | Modality::ShallNot => 0,
            Modality::Must | Modality::Shall | Modality::Required => 1,
            Modality::ShouldNot => 2,
            Modality::Should | Modality::Recommended => 3,
            Modality::May | Modality::Optional => 4,
        }
    }
}

/// Finds the strongest RFC 2119 keyword in `text`. Keywords count only in capitals and as whole
/// words, as RFC 8174 asks; "must" in lower case is ordinary prose.
pub fn detect_modality(text: &str) -> Option<Modality> {
    let words: Vec<&str> = text
        .split(|character: char| !character.is_ascii_alphanumeric() && character != '\'')
        .filter(|word| !word.is_empty())
        .collect();
    let mut strongest: Option<Modality> = None;
    let mut index = 0;
    while let Some(&word) = words.get(index) {
        let next_is_not = words.get(index + 1).is_some_and(|next| *next == "NOT");
        let found = match word {
            "MUST" if next_is_not => Some(Modality::MustNot),
            "MUST" => Some(Modality::Must),
            "SHALL" if next_is_not => Some(Modality::ShallNot),
            "SHALL" => Some(Modality::Shall),
            "SHOULD" if next_is_not => Some(Modality::ShouldNot),
            "SHOULD" => Some(Modality::Should),
            "REQUIRED" => Some(Modality::Required),
            "RECOMMENDED" => Some(Modality::Recommended),
            "MAY" => Some(Modality::May),
            "OPTIONAL" => Some(Modality::Optional),
            // The contracted forms are common in real specs ("The assistant MUSTN'T ...").
            "MUSTN'T" => Some(Modality::MustNot),
            "SHAN'T" => Some(Modality::ShallNot),
            "SHOULDN'T" => Some(Modality::ShouldNot),
            _ => None,
        };
        if let Some(found) = found {
            let stronger = strongest.is_none_or(|current| found.strength() < current.strength());
            if stronger {
                strongest = Some(found);
            }
        }
        index += 1;
    }
    strongest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_strongest_capitalised_keyword() {
        assert_eq!(
            detect_modality("The bot MUST reply and SHOULD be brief"),
            Some(Modality::Must)
        );
        assert_eq!(
            detect_modality("It MUST NOT reveal keys"),
            Some(Modality::MustNot)
        );
        assert_eq!(
            detect_modality("Users MAY skip; it SHALL NOT fail"),
            Some(Modality::ShallNot)
        );
        assert_eq!(detect_modality("you must be kind"), None);
        assert_eq!(detect_modality("MUSTARD is REQUIREDX"), None);
    }
}
