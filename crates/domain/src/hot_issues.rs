//! Hot issues (热点问题): many enterprises raising the same kind of problem
//! in a short window — the 物流受限 wave of spring 2022 — flagged so that a
//! coordinator can answer them together.
//!
//! The rule (written out with its reasons in `docs/hot-issues.md`):
//!
//! 1. **Terms.** Each demand's title and description are segmented by jieba
//!    (done by the caller); one-character words, numbers and the stop words
//!    of [`STOP_WORDS`] are dropped ([`clean_terms`]).
//! 2. **Similarity.** Two demands are *similar* when they have the same
//!    category, were submitted at most `window_days` apart, and the cosine of
//!    their TF-IDF vectors is at least `min_similarity`. Terms are counted
//!    once per demand (binary TF); IDF is `ln((N + 1) / (df + 1)) + 1` over the
//!    N demands given to [`detect`], so words every demand uses weigh little.
//! 3. **Groups.** Similar demands are linked single-link: a group is a
//!    connected component of the similarity graph.
//! 4. **Flag.** A group is a hot issue when some span of `window_days` days
//!    (first to last submission at most `window_days × 24 h` apart, both ends
//!    included) holds demands of at least `min_enterprises` *distinct*
//!    enterprises. Districts do not split groups: a wave across the city is
//!    the point.
//! 5. **Sudden.** And when that many enterprises would be unlikely at the
//!    category's usual share of the city's demands: −log10 of the Poisson
//!    chance is at least `min_significance_pct / 100` (default 3: one in a
//!    thousand). A busy category always has K enterprises a week.
//!
//! [`reconcile`] then matches fresh groups with the issues already stored so
//! that running detection twice flags nothing twice, a dismissed issue is not
//! raised again for the same demands, and newcomers extend their issue.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};

mod reconcile;
mod status;

pub use reconcile::{reconcile, Change, Stored};
pub use status::{decide, Decision, HotStatus, Refused};

const DAY_MS: i64 = 86_400_000;
/// Default significance: the peak must have a chance of at most 10^-3 at the
/// category's usual share (−log10 p ≥ 3.00, in hundredths).
pub const DEFAULT_MIN_SIGNIFICANCE_PCT: u32 = 300;
/// The least expected demands of a category in a window (see [`expected_in_window`]).
const MIN_EXPECTED: f64 = 0.5;

/// Default K: distinct enterprises needed.
pub const DEFAULT_MIN_ENTERPRISES: u32 = 5;
/// Default D: the window in days.
pub const DEFAULT_WINDOW_DAYS: u32 = 7;
/// Default similarity threshold, in hundredths (0.25).
pub const DEFAULT_MIN_SIMILARITY_PCT: u32 = 25;

/// Words that say nothing about the problem: who is speaking, politeness,
/// time fillers, and what every demand asks for (help, coordination).
pub const STOP_WORDS: &[&str] = &[
    "我司",
    "我们",
    "本公司",
    "公司",
    "企业",
    "企业反映",
    "反映",
    "请",
    "请求",
    "希望",
    "帮助",
    "帮忙",
    "协助",
    "协调",
    "尽快",
    "尽早",
    "近期",
    "近日",
    "目前",
    "现在",
    "已经",
    "已有",
    "一直",
    "问题",
    "情况",
    "相关",
    "有关",
    "需要",
    "急需",
    "进行",
    "给予",
    "解决",
    "处理",
    "办理",
    "能否",
    "是否",
    "可以",
    "无法",
    "没有",
    "影响",
    "面临",
    "导致",
    "造成",
    "由于",
    "因为",
    "所以",
    "但是",
    "并且",
    "以及",
    "或者",
    "还是",
    "如果",
    "这个",
    "那个",
    "一个",
    "一些",
    "有限公司",
    "有限",
    "责任",
    "股份",
];

/// The parameters K, D and the similarity threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// K: distinct enterprises within the window (≥ 2).
    pub min_enterprises: u32,
    /// D: the window in days (1–90).
    pub window_days: u32,
    /// Cosine threshold in hundredths (1–100), kept whole so settings and
    /// the database never carry floats.
    pub min_similarity_pct: u32,
    /// How unusual: −log10 of the Poisson chance of the peak at the
    /// category's usual share, in hundredths (0–2000; 0 turns the test off).
    pub min_significance_pct: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            min_enterprises: DEFAULT_MIN_ENTERPRISES,
            window_days: DEFAULT_WINDOW_DAYS,
            min_similarity_pct: DEFAULT_MIN_SIMILARITY_PCT,
            min_significance_pct: DEFAULT_MIN_SIGNIFICANCE_PCT,
        }
    }
}

impl Params {
    /// Checks each parameter's range; the error names the setting.
    pub fn validate(&self) -> Result<(), crate::FieldError> {
        if !(2..=1000).contains(&self.min_enterprises) {
            return Err(crate::FieldError::new(
                "min_enterprises",
                format!("企业数阈值应在 2 到 1000 之间 (K must be 2..=1000, got {})", self.min_enterprises),
            ));
        }
        if !(1..=90).contains(&self.window_days) {
            return Err(crate::FieldError::new(
                "window_days",
                format!("时间窗口应在 1 到 90 天之间 (D must be 1..=90 days, got {})", self.window_days),
            ));
        }
        if !(1..=100).contains(&self.min_similarity_pct) {
            return Err(crate::FieldError::new(
                "min_similarity_pct",
                format!("相似度阈值应在 1 到 100 之间 (threshold must be 1..=100, got {})", self.min_similarity_pct),
            ));
        }
        if self.min_significance_pct > 2000 {
            return Err(crate::FieldError::new(
                "min_significance_pct",
                format!("显著性应在 0 到 2000 之间 (significance must be 0..=2000, got {})", self.min_significance_pct),
            ));
        }
        Ok(())
    }

    fn window_ms(&self) -> i64 {
        i64::from(self.window_days) * DAY_MS
    }

    fn threshold(&self) -> f64 {
        f64::from(self.min_similarity_pct) / 100.0
    }
}

/// One demand as detection sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub id: i64,
    pub enterprise_id: i64,
    pub district_id: i64,
    pub category: String,
    /// Submission instant, ms since the epoch.
    pub submitted_at: i64,
    /// Segmented words (already cleaned by [`clean_terms`] or not: [`detect`] cleans again).
    pub terms: Vec<String>,
}

/// A group found by [`detect`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub category: String,
    /// Member demand ids, ascending.
    pub demand_ids: Vec<i64>,
    /// Distinct enterprises among the members.
    pub enterprises: usize,
    /// Most distinct enterprises inside one window of D days.
    pub enterprises_in_window: usize,
    /// The category's expected demands in the peak window, in hundredths.
    pub expected_pct: u32,
    /// −log10 of the chance of the peak at that expectation, in hundredths.
    pub significance_pct: u32,
    /// Distinct districts, ascending.
    pub district_ids: Vec<i64>,
    pub first_at: i64,
    pub last_at: i64,
    /// The shared key terms: in at least half of the members, by how many
    /// members use them and then by weight (at most eight).
    pub key_terms: Vec<String>,
}

/// The words of a segmented text that can tell problems apart: lower-cased,
/// at least two characters, not only digits or punctuation, not a stop
/// word, each once.
pub fn clean_terms<S: AsRef<str>>(words: &[S]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for w in words {
        let w = w.as_ref().trim().to_lowercase();
        if w.chars().count() < 2
            || !w.chars().any(char::is_alphabetic)
            || w.chars().all(|c| c.is_ascii_digit() || !c.is_alphanumeric())
            || STOP_WORDS.contains(&w.as_str())
        {
            continue;
        }
        if seen.insert(w.clone()) {
            out.push(w);
        }
    }
    out
}

/// TF-IDF vectors of binary term presence, unit length, sparse (term index → weight).
struct Vectors {
    vecs: Vec<HashMap<usize, f64>>,
}

fn vectors(terms: &[Vec<String>]) -> Vectors {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut df: Vec<usize> = Vec::new();
    let mut ids: Vec<Vec<usize>> = Vec::with_capacity(terms.len());
    for t in terms {
        let mut row = Vec::with_capacity(t.len());
        for w in t {
            let next = index.len();
            let i = *index.entry(w.as_str()).or_insert(next);
            if i == df.len() {
                df.push(0);
            }
            df[i] += 1;
            row.push(i);
        }
        ids.push(row);
    }
    let n = terms.len() as f64;
    let idf: Vec<f64> = df.iter().map(|&d| ((n + 1.0) / (d as f64 + 1.0)).ln() + 1.0).collect();
    let vecs = ids
        .into_iter()
        .map(|row| {
            let norm = row.iter().map(|&i| idf[i] * idf[i]).sum::<f64>().sqrt();
            row.into_iter().map(|i| (i, if norm > 0.0 { idf[i] / norm } else { 0.0 })).collect()
        })
        .collect();
    Vectors { vecs }
}

fn cosine(a: &HashMap<usize, f64>, b: &HashMap<usize, f64>) -> f64 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small.iter().filter_map(|(k, v)| large.get(k).map(|w| v * w)).sum()
}

/// The cosine similarity of two demands' terms within a corpus (for
/// explaining a decision: the detail page and the docs use it).
pub fn similarity(corpus: &[Vec<String>], i: usize, j: usize) -> f64 {
    let cleaned: Vec<Vec<String>> = corpus.iter().map(|t| clean_terms(t)).collect();
    let v = vectors(&cleaned);
    match (v.vecs.get(i), v.vecs.get(j)) {
        (Some(a), Some(b)) => cosine(a, b),
        _ => 0.0,
    }
}

/// Finds the hot issues among `docs` (see the module documentation).
/// Groups come out ordered by their first submission, then first id.
pub fn detect(docs: &[Doc], p: &Params) -> Vec<Group> {
    let terms: Vec<Vec<String>> = docs.iter().map(|d| clean_terms(&d.terms)).collect();
    let v = vectors(&terms);
    let window = p.window_ms();
    let threshold = p.threshold() - 1e-9;
    // Union-find over the similarity graph.
    let mut parent: Vec<usize> = (0..docs.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    // Per category, in time order; only pairs within the window are compared.
    let mut by_cat: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, d) in docs.iter().enumerate() {
        by_cat.entry(d.category.as_str()).or_default().push(i);
    }
    for idx in by_cat.values_mut() {
        idx.sort_by_key(|&i| (docs[i].submitted_at, docs[i].id));
        for (a, &i) in idx.iter().enumerate() {
            for &j in &idx[a + 1..] {
                if docs[j].submitted_at - docs[i].submitted_at > window {
                    break;
                }
                if cosine(&v.vecs[i], &v.vecs[j]) >= threshold {
                    let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                    if ri != rj {
                        parent[ri] = rj;
                    }
                }
            }
        }
    }
    let mut comps: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..docs.len() {
        let r = root(&mut parent, i);
        comps.entry(r).or_default().push(i);
    }
    let mut groups: Vec<Group> = comps
        .into_values()
        .filter(|m| m.len() >= 2)
        .filter_map(|mut m| {
            m.sort_by_key(|&i| (docs[i].submitted_at, docs[i].id));
            let (in_window, start) = most_enterprises_in_window(docs, &m, window);
            if in_window < p.min_enterprises as usize {
                return None;
            }
            let expected = expected_in_window(docs, &docs[m[0]].category, start, window);
            let significance = significance(in_window, expected);
            if significance * 100.0 + 1e-9 < f64::from(p.min_significance_pct) {
                return None;
            }
            let mut g = group_of(docs, &terms, &m, in_window);
            g.expected_pct = (expected * 100.0).round() as u32;
            g.significance_pct = (significance * 100.0).round().min(f64::from(u32::MAX)) as u32;
            Some(g)
        })
        .collect();
    groups.sort_by_key(|g| (g.first_at, g.demand_ids.first().copied()));
    groups
}

/// The most distinct enterprises among members (sorted by time) whose
/// submissions lie within `window` ms of each other, and where the first
/// such window starts.
fn most_enterprises_in_window(docs: &[Doc], members: &[usize], window: i64) -> (usize, i64) {
    let mut best = (0, 0);
    for (a, &i) in members.iter().enumerate() {
        let mut ents = HashSet::new();
        for &j in &members[a..] {
            if docs[j].submitted_at - docs[i].submitted_at > window {
                break;
            }
            ents.insert(docs[j].enterprise_id);
        }
        if ents.len() > best.0 {
            best = (ents.len(), docs[i].submitted_at);
        }
    }
    best
}

/// The demands the category would bring in the peak window at its usual
/// share: its demands outside the window × (other categories' demands inside
/// ÷ outside it), so a busy week for everyone (after a holiday, before a
/// deadline) does not look like a wave in every category. Without other
/// categories outside the window it is the category's own count outside it.
/// At least [`MIN_EXPECTED`] (half a demand): a category never seen before
/// is not infinitely surprising, and K enterprises of a quiet category still
/// clear the default significance (P(X ≥ 5 | 0.5) ≈ 1.7 × 10⁻⁴).
fn expected_in_window(docs: &[Doc], cat: &str, start: i64, window: i64) -> f64 {
    let (mut cat_out, mut others_in, mut others_out) = (0usize, 0usize, 0usize);
    for d in docs {
        let inside = d.submitted_at >= start && d.submitted_at <= start + window;
        match (d.category == cat, inside) {
            (true, false) => cat_out += 1,
            (false, true) => others_in += 1,
            (false, false) => others_out += 1,
            (true, true) => {}
        }
    }
    let e = if others_out == 0 { cat_out as f64 } else { cat_out as f64 * others_in as f64 / others_out as f64 };
    e.max(MIN_EXPECTED)
}

/// −log10 of P(X ≥ k) for X ~ Poisson(λ): how surprising k enterprises are
/// when λ demands were expected. Summed in log space, so tiny chances do
/// not underflow.
pub fn significance(k: usize, lambda: f64) -> f64 {
    if k == 0 {
        return 0.0;
    }
    let ln_l = lambda.ln();
    // ln of the first term, P(X = k).
    let mut ln_term = -lambda + k as f64 * ln_l - (1..=k).map(|i| (i as f64).ln()).sum::<f64>();
    let first = ln_term;
    let mut sum = 0.0;
    for i in k..k + 1000 {
        let t = (ln_term - first).exp();
        sum += t;
        if t < 1e-12 * sum {
            break;
        }
        ln_term += ln_l - ((i + 1) as f64).ln();
    }
    let ln_p = (first + sum.ln()).min(0.0);
    -ln_p / std::f64::consts::LN_10
}

fn group_of(docs: &[Doc], terms: &[Vec<String>], m: &[usize], in_window: usize) -> Group {
    let ents: HashSet<i64> = m.iter().map(|&i| docs[i].enterprise_id).collect();
    let districts: BTreeSet<i64> = m.iter().map(|&i| docs[i].district_id).collect();
    let mut ids: Vec<i64> = m.iter().map(|&i| docs[i].id).collect();
    ids.sort_unstable();
    // Key terms: used by at least half of the members; most shared first,
    // then the rarer (more telling) across all demands, then by text.
    let corpus_df: HashMap<&str, usize> = {
        let mut df = HashMap::new();
        for t in terms {
            for w in t {
                *df.entry(w.as_str()).or_insert(0) += 1;
            }
        }
        df
    };
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for &i in m {
        for w in &terms[i] {
            *counts.entry(w.as_str()).or_insert(0) += 1;
        }
    }
    let mut shared: Vec<(&str, usize)> = counts.into_iter().filter(|(_, c)| c * 2 >= m.len()).collect();
    shared.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(corpus_df.get(a.0).cmp(&corpus_df.get(b.0)))
            .then(b.0.chars().count().cmp(&a.0.chars().count()))
            .then(a.0.cmp(b.0))
    });
    // Drop a term contained in a longer kept one (通行 beside 通行证).
    let mut key_terms: Vec<String> = Vec::new();
    for (w, _) in shared {
        if key_terms.len() >= 8 {
            break;
        }
        if !key_terms.iter().any(|k| k.contains(w)) {
            key_terms.push(w.to_string());
        }
    }
    Group {
        category: docs[m[0]].category.clone(),
        demand_ids: ids,
        enterprises: ents.len(),
        enterprises_in_window: in_window,
        expected_pct: 0,
        significance_pct: 0,
        district_ids: districts.into_iter().collect(),
        first_at: m.iter().map(|&i| docs[i].submitted_at).min().unwrap_or_default(),
        last_at: m.iter().map(|&i| docs[i].submitted_at).max().unwrap_or_default(),
        key_terms,
    }
}

#[cfg(test)]
#[path = "hot_issues_tests.rs"]
mod tests;
