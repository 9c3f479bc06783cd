use super::*;

#[test]
fn every_district_of_the_demo_has_a_centre() {
    let names: Vec<&str> = corpus().centres.iter().map(|c| c.0).collect();
    assert!(names.contains(&BEHIND_DISTRICT));
    assert_eq!(names.len(), 10);
}
