//! Chinese word segmentation for full-text search. Demands are indexed as
//! jieba's search-mode words joined by spaces; queries are segmented the same
//! way and every word must match (each engine's own text index does the rest).

use jieba_rs::Jieba;
use std::sync::OnceLock;

fn jieba() -> &'static Jieba {
    static J: OnceLock<Jieba> = OnceLock::new();
    J.get_or_init(Jieba::new)
}

/// The distinct search words of a text, lower-cased, punctuation dropped.
pub fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in jieba().cut_for_search(text, true) {
        let w = w.word.trim().to_lowercase();
        if w.is_empty() || !w.chars().any(char::is_alphanumeric) {
            continue;
        }
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// The text stored in the index: the words joined by single spaces.
pub fn index_text(text: &str) -> String {
    words(text).join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_segmented_into_searchable_words() {
        let w = words("物流受限：原料运输车辆无法进入园区，需办理通行证");
        for expected in ["物流", "运输", "车辆", "园区", "通行证"] {
            assert!(w.iter().any(|x| x == expected), "{expected} missing from {w:?}");
        }
        assert!(!w.iter().any(|x| x == "：" || x == "，"));
    }
}
