use super::*;

#[test]
fn every_data_file_parses() {
    check().unwrap();
}

#[test]
fn the_city_files_hold_the_expected_counts() {
    let c = crate::city::corpus::corpus();
    assert_eq!(c.districts.len(), 10);
    assert_eq!(c.districts.iter().map(|d| d.industries.len()).sum::<usize>(), 49);
    assert!(c.districts.iter().all(|d| !d.industries.is_empty() && d.roads.len() >= 6), "{:?}", c.districts);
    assert_eq!((c.districts[0].name, c.districts[9].name), ("莲都区", "丽水经济技术开发区"));
    assert_eq!(c.departments.len(), 21);
    assert_eq!((c.departments[0].code, c.departments[20].code), ("transport", "police"));
    assert_eq!([c.surnames, c.given_male, c.given_female, c.trade_chars].map(|p| p.chars().count()), [73, 35, 26, 58]);
}

#[test]
fn the_demand_files_hold_the_expected_counts() {
    let c = crate::demands::corpus::corpus();
    assert_eq!(c.categories.len(), 28);
    assert_eq!(c.categories.iter().map(|k| k.cases.len()).sum::<usize>(), 65);
    assert!(c.categories.iter().all(|k| !k.cases.is_empty()));
    assert_eq!(c.categories.iter().filter(|k| k.other.is_some()).count(), 12);
    assert_eq!(c.rejected.len(), 5);
    let lists = [
        (&c.wave_titles, 4),
        (&c.wave_descs, 4),
        (&c.wave_districts, 4),
        (&c.interims, 4),
        (&c.callbacks, 2),
        (&c.dispatch_notes, 4),
        (&c.withdraw_reasons, 4),
        (&c.suspend_reasons, 3),
        (&c.add_info, 2),
        (&c.extension_reasons, 4),
        (&c.refuse_reasons, 2),
        (&c.urge_notes, 2),
        (&c.supervise_notes, 2),
        (&c.comments_very, 3),
        (&c.comments_good, 4),
        (&c.comments_neutral, 2),
        (&c.comments_bad, 3),
        (&c.banks, 6),
        (&c.docs, 6),
        (&c.name_prefixes, 9),
    ];
    for (list, n) in lists {
        assert_eq!(list.len(), n, "{list:?}");
    }
    // Empty texts are kept: two silent dispatches, one rating without comment.
    assert_eq!(c.dispatch_notes.iter().filter(|t| t.is_empty()).count(), 2);
    assert_eq!(c.comments_good.last(), Some(&""));
    for one in [c.wave_reply, c.wave_interim, c.redo_suffix, c.assist_note] {
        assert!(!one.is_empty());
    }
}

#[test]
fn the_visit_files_hold_the_expected_counts() {
    let c = crate::visits::corpus::corpus();
    let lists = [
        (&c.policies, 14),
        (&c.needs, 16),
        (&c.investment, 8),
        (&c.guidance, 8),
        (&c.staff, 8),
        (&c.notes_on_site, 10),
        (&c.notes_remote, 6),
    ];
    for (list, n) in lists {
        assert_eq!(list.len(), n, "{list:?}");
    }
    assert_eq!(c.centres.len(), 10);
    assert_eq!(c.centres[0], ("莲都区", 28.4517, 119.9229));
}

#[test]
fn a_malformed_file_is_an_error_not_a_panic() {
    assert!(rows("x.tsv", "# a\tb\nonly-one\n", 2).is_err());
    let l = lists("x.tsv", "# name\ttext\na\tone\na\ttwo\nb\t\n").unwrap();
    assert_eq!(l.list("a").unwrap(), ["one", "two"]);
    assert_eq!(l.one("b").unwrap(), "");
    assert!(l.one("a").is_err() && l.list("c").is_err());
    assert!(number::<u64>("x.tsv", "x").is_err());
}
