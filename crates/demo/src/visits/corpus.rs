//! What officers write on visits (`data/visit_texts.tsv`) and where the
//! districts lie (`data/visit_centres.tsv`).

use crate::corpus::{lists, number, rows, Loaded};

const TEXTS_TSV: &str = include_str!("../../data/visit_texts.tsv");
const CENTRES_TSV: &str = include_str!("../../data/visit_centres.tsv");

/// The visits' corpus, in file order.
#[derive(Debug, Default)]
pub(crate) struct Corpus {
    /// Policies explained.
    pub(crate) policies: Vec<&'static str>,
    /// Needs found on visits, in the words an officer would note them.
    pub(crate) needs: Vec<&'static str>,
    pub(crate) investment: Vec<&'static str>,
    pub(crate) guidance: Vec<&'static str>,
    pub(crate) staff: Vec<&'static str>,
    pub(crate) notes_on_site: Vec<&'static str>,
    pub(crate) notes_remote: Vec<&'static str>,
    /// Rough centre of each district (degrees), for on-site locations.
    pub(crate) centres: Vec<(&'static str, f64, f64)>,
}

pub(crate) static CORPUS: Loaded<Corpus> = Loaded::new(load);

pub(crate) fn corpus() -> &'static Corpus {
    CORPUS.get()
}

fn load() -> std::result::Result<Corpus, String> {
    let t = lists("visit_texts.tsv", TEXTS_TSV)?;
    let f = "visit_centres.tsv";
    let mut centres = Vec::new();
    for row in rows(f, CENTRES_TSV, 3)? {
        let [district, lat, lon] = row[..] else { continue };
        centres.push((district, number(f, lat)?, number(f, lon)?));
    }
    Ok(Corpus {
        policies: t.list("policies")?,
        needs: t.list("needs")?,
        investment: t.list("investment")?,
        guidance: t.list("guidance")?,
        staff: t.list("staff")?,
        notes_on_site: t.list("notes_on_site")?,
        notes_remote: t.list("notes_remote")?,
        centres,
    })
}
