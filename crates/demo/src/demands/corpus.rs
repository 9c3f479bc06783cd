//! The demands' texts (`data/demand_*.tsv`): the categories as the demo
//! uses them with their cases, the out-of-scope demands, the 物流受限 wave
//! and every note, reason and comment the scripts write.

use super::*;
use crate::corpus::{lists, number, rows, split_list, Loaded};

const CATEGORIES_TSV: &str = include_str!("../../data/demand_categories.tsv");
const CASES_TSV: &str = include_str!("../../data/demand_cases.tsv");
const REJECTED_TSV: &str = include_str!("../../data/demand_rejected.tsv");
const TEXTS_TSV: &str = include_str!("../../data/demand_texts.tsv");

/// One kind of demand of a category: title, description and the reply that
/// resolves it. `{ind}` (the enterprise's industry), `{town}`, `{dist}`,
/// `{n}`, `{n2}`, `{m}` (万元), `{p}` (people), `{mu}` (亩), `{kva}`,
/// `{kva2}`, `{pct}`, `{rate}`, `{bank}` and `{doc}` are filled per demand.
#[derive(Debug)]
pub(crate) struct Case {
    pub(crate) title: &'static str,
    pub(crate) desc: &'static str,
    pub(crate) reply: &'static str,
}

/// Another department a demand of the category may really belong to: the
/// reason a coordinator gives when transferring it there, and the reason
/// the first lead department gives when objecting to the dispatch.
#[derive(Debug)]
pub(crate) struct Other {
    pub(crate) dept: &'static str,
    pub(crate) transfer: &'static str,
    pub(crate) objection: &'static str,
}

/// A category of the default catalogue as the demo uses it.
#[derive(Debug)]
pub(crate) struct CategoryDemo {
    pub(crate) code: &'static str,
    /// How common it is.
    pub(crate) weight: u64,
    /// Departments that typically assist (by code).
    pub(crate) assist: Vec<&'static str>,
    pub(crate) other: Option<Other>,
    /// The reply counts an outcome (e.g. permits issued = `{n}`).
    pub(crate) outcome: bool,
    pub(crate) cases: Vec<Case>,
}

/// The demands' corpus, in file order.
#[derive(Debug, Default)]
pub(crate) struct Corpus {
    /// The categories with their cases.
    pub(crate) categories: Vec<CategoryDemo>,
    /// Demands out of scope (不予受理): category, title, description, reason.
    pub(crate) rejected: Vec<(&'static str, &'static str, &'static str, &'static str)>,
    pub(crate) wave_titles: Vec<&'static str>,
    pub(crate) wave_descs: Vec<&'static str>,
    pub(crate) wave_reply: &'static str,
    pub(crate) wave_interim: &'static str,
    /// Districts of the wave (by name; others are used if these are missing).
    pub(crate) wave_districts: Vec<&'static str>,
    pub(crate) interims: Vec<&'static str>,
    pub(crate) callbacks: Vec<&'static str>,
    pub(crate) redo_suffix: &'static str,
    pub(crate) dispatch_notes: Vec<&'static str>,
    pub(crate) assist_note: &'static str,
    pub(crate) withdraw_reasons: Vec<&'static str>,
    pub(crate) suspend_reasons: Vec<&'static str>,
    pub(crate) add_info: Vec<&'static str>,
    pub(crate) extension_reasons: Vec<&'static str>,
    pub(crate) refuse_reasons: Vec<&'static str>,
    pub(crate) urge_notes: Vec<&'static str>,
    pub(crate) supervise_notes: Vec<&'static str>,
    pub(crate) comments_very: Vec<&'static str>,
    pub(crate) comments_good: Vec<&'static str>,
    pub(crate) comments_neutral: Vec<&'static str>,
    pub(crate) comments_bad: Vec<&'static str>,
    pub(crate) banks: Vec<&'static str>,
    pub(crate) docs: Vec<&'static str>,
    /// District name prefixes of demo company names (longest first).
    pub(crate) name_prefixes: Vec<&'static str>,
}

pub(crate) static CORPUS: Loaded<Corpus> = Loaded::new(load);

pub(crate) fn corpus() -> &'static Corpus {
    CORPUS.get()
}

fn load() -> std::result::Result<Corpus, String> {
    let f = "demand_categories.tsv";
    let mut categories = Vec::new();
    for row in rows(f, CATEGORIES_TSV, 7)? {
        let [code, weight, assist, outcome, dept, transfer, objection] = row[..] else { continue };
        categories.push(CategoryDemo {
            code,
            weight: number(f, weight)?,
            assist: split_list(assist),
            other: (!dept.is_empty()).then_some(Other { dept, transfer, objection }),
            outcome: number::<u8>(f, outcome)? != 0,
            cases: Vec::new(),
        });
    }
    let f = "demand_cases.tsv";
    for row in rows(f, CASES_TSV, 4)? {
        let [code, title, desc, reply] = row[..] else { continue };
        let cat = categories
            .iter_mut()
            .find(|c| c.code == code)
            .ok_or_else(|| format!("{f}: no category {code} in demand_categories.tsv"))?;
        cat.cases.push(Case { title, desc, reply });
    }
    let rejected = rows("demand_rejected.tsv", REJECTED_TSV, 4)?
        .into_iter()
        .filter_map(|row| match row[..] {
            [a, b, c, d] => Some((a, b, c, d)),
            _ => None,
        })
        .collect();
    let t = lists("demand_texts.tsv", TEXTS_TSV)?;
    Ok(Corpus {
        categories,
        rejected,
        wave_titles: t.list("wave_titles")?,
        wave_descs: t.list("wave_descs")?,
        wave_reply: t.one("wave_reply")?,
        wave_interim: t.one("wave_interim")?,
        wave_districts: t.list("wave_districts")?,
        interims: t.list("interims")?,
        callbacks: t.list("callbacks")?,
        redo_suffix: t.one("redo_suffix")?,
        dispatch_notes: t.list("dispatch_notes")?,
        assist_note: t.one("assist_note")?,
        withdraw_reasons: t.list("withdraw_reasons")?,
        suspend_reasons: t.list("suspend_reasons")?,
        add_info: t.list("add_info")?,
        extension_reasons: t.list("extension_reasons")?,
        refuse_reasons: t.list("refuse_reasons")?,
        urge_notes: t.list("urge_notes")?,
        supervise_notes: t.list("supervise_notes")?,
        comments_very: t.list("comments_very")?,
        comments_good: t.list("comments_good")?,
        comments_neutral: t.list("comments_neutral")?,
        comments_bad: t.list("comments_bad")?,
        banks: t.list("banks")?,
        docs: t.list("docs")?,
        name_prefixes: t.list("name_prefixes")?,
    })
}

/// The values filled into one demand's texts.
pub(super) struct Vars {
    pub(super) ind: String,
    pub(super) town: String,
    pub(super) dist: String,
    pub(super) n: i64,
    pub(super) n2: i64,
    pub(super) m: i64,
    pub(super) p: i64,
    pub(super) mu: i64,
    pub(super) kva: i64,
    pub(super) pct: i64,
    pub(super) rate: &'static str,
    pub(super) bank: &'static str,
    pub(super) doc: &'static str,
}

impl Vars {
    pub(super) fn new(r: &mut Rng, e: &Ent) -> Self {
        Self {
            ind: e.ind.clone(),
            town: e.town.clone(),
            dist: e.district_name.clone(),
            n: r.range(2, 9),
            n2: r.range(3, 12),
            m: 50 * r.range(1, 60),
            p: 10 * r.range(2, 30),
            mu: r.range(5, 80),
            kva: *r.pick(&[400, 630, 800, 1000, 1250]).unwrap_or(&630),
            pct: r.range(20, 60),
            rate: r.text(&["0.3", "0.5", "0.6", "0.8"]),
            bank: r.text(&corpus().banks),
            doc: r.text(&corpus().docs),
        }
    }

    pub(super) fn fill(&self, t: &str) -> String {
        t.replace("{ind}", &self.ind)
            .replace("{town}", &self.town)
            .replace("{dist}", &self.dist)
            .replace("{n}", &self.n.to_string())
            .replace("{n2}", &self.n2.to_string())
            .replace("{m}", &self.m.to_string())
            .replace("{p}", &self.p.to_string())
            .replace("{mu}", &self.mu.to_string())
            .replace("{kva}", &self.kva.to_string())
            .replace("{kva2}", &(self.kva * 2).to_string())
            .replace("{pct}", &self.pct.to_string())
            .replace("{rate}", self.rate)
            .replace("{bank}", self.bank)
            .replace("{doc}", self.doc)
    }
}
