use super::*;
use std::collections::BTreeSet;

#[test]
fn bundled_zhejiang_holds_11_cities_90_counties_1387_townships() {
    let t = DivisionTable::zhejiang();
    assert_eq!(t.rows.len(), 1387);
    let cities: BTreeSet<&str> = t.rows.iter().map(|r| r.city_code.as_str()).collect();
    let counties: BTreeSet<&str> = t.rows.iter().map(|r| r.county_code.as_str()).collect();
    assert_eq!(cities.len(), 11);
    assert_eq!(counties.len(), 90);
}

#[test]
fn lishui_plans_the_demo_tree_in_the_customary_order() {
    let p = plan_regions("331100", &DivisionTable::zhejiang(), &[]).unwrap();
    assert_eq!(p.city.name, "丽水市");
    assert_eq!(p.province, "浙江省");
    assert_eq!(p.short_name(), "丽水");
    let names: Vec<(&str, &str)> =
        p.districts.iter().map(|d| (d.region.name.as_str(), d.region.kind.as_str())).collect();
    assert_eq!(
        names,
        [
            ("莲都区", "市辖区"),
            ("龙泉市", "县级市"),
            ("青田县", "县"),
            ("缙云县", "县"),
            ("遂昌县", "县"),
            ("松阳县", "县"),
            ("云和县", "县"),
            ("庆元县", "县"),
            ("景宁畲族自治县", "自治县"),
            ("丽水经济技术开发区", "开发区"),
        ]
    );
    assert_eq!(p.townships(), 174);
    let zone = p.districts.last().unwrap();
    assert!(zone.is_zone);
    assert_eq!(zone.region.code, "331100KFQ");
    assert_eq!(zone.division, "331100");
    assert_eq!(zone.townships.len(), 1);
    assert_eq!(zone.townships[0].code, "331102008KFQ");
    assert_eq!(zone.townships[0].name, "南明山街道");
    let liandu = &p.districts[0];
    assert_eq!(liandu.zone_managed, ["331102008"]);
    assert_eq!(liandu.townships.len(), 15);
    assert!(liandu.townships.windows(2).all(|w| w[0].code < w[1].code), "townships in code order");
}

#[test]
fn another_zhejiang_city_and_an_extra_zone() {
    let extra = [ExtraDistrict::parse("衢州智造新城=330802005").unwrap()];
    let p = plan_regions("330800", &DivisionTable::zhejiang(), &extra).unwrap();
    assert_eq!(p.city.name, "衢州市");
    assert_eq!(p.districts.len(), 7, "6 counties and the zone");
    let zone = p.districts.last().unwrap();
    assert_eq!(zone.region.code, "330800X01");
    assert_eq!(zone.townships[0].code, "330802005X01");
    assert!(p.districts.iter().all(|d| d.is_zone || d.division == d.region.code));
}

#[test]
fn a_city_outside_the_bundled_townships_gets_its_counties_only() {
    let p = plan_regions("320500", &DivisionTable::zhejiang(), &[]).unwrap();
    assert_eq!(p.city.name, "苏州市");
    assert_eq!(p.province, "江苏省");
    assert!(p.districts.len() >= 9, "{:?}", p.districts.len());
    assert!(p.districts.iter().all(|d| d.townships.is_empty()));
    assert!(p.districts.iter().any(|d| d.region.name == "昆山市" && d.region.kind == "县级市"));
}

#[test]
fn bad_city_codes_are_refused_with_the_field() {
    for bad in ["33110", "331101", "330000", "abcdef", "999900"] {
        let e = plan_regions(bad, &DivisionTable::zhejiang(), &[]).unwrap_err();
        assert_eq!(e.field, "city", "{bad}");
    }
    let e = plan_regions("331100", &DivisionTable::zhejiang(), &[ExtraDistrict::parse("某区=330802001").unwrap()])
        .unwrap_err();
    assert!(e.message.contains("330802001"), "{e}");
}

#[test]
fn a_divisions_file_is_checked_line_by_line() {
    let ok = format!("\u{feff}{DIVISIONS_HEADER}\n320500,苏州市,320505,虎丘区,320505001,横塘街道,街道\n\n");
    let t = DivisionTable::parse(&ok).unwrap();
    assert_eq!(t.rows.len(), 1);
    let p = plan_regions("320500", &t, &[]).unwrap();
    assert_eq!(p.districts.len(), 1);
    assert_eq!(p.districts[0].townships.len(), 1);

    let e = DivisionTable::parse("code,name\n").unwrap_err();
    assert!(e.message.contains("line 1"), "{e}");
    let e = DivisionTable::parse(&format!("{DIVISIONS_HEADER}\n320500,苏州市,320505,虎丘区,3205050,横塘街道,街道\n"))
        .unwrap_err();
    assert!(e.message.contains("line 2") && e.message.contains("township_code"), "{e}");
    let e = DivisionTable::parse(&format!("{DIVISIONS_HEADER}\n320500,苏州市,330505,虎丘区,330505001,横塘街道,街道\n"))
        .unwrap_err();
    assert!(e.message.contains("county_code"), "{e}");
    let dup = format!(
        "{DIVISIONS_HEADER}\n320500,苏州市,320505,虎丘区,320505001,横塘街道,街道\n320500,苏州市,320505,虎丘区,320505001,横塘街道,街道\n"
    );
    assert!(DivisionTable::parse(&dup).unwrap_err().message.contains("line 3"));
}

#[test]
fn default_departments_take_the_city_and_province() {
    let p = plan_regions("331100", &DivisionTable::zhejiang(), &[]).unwrap();
    let d = default_departments(&p);
    assert_eq!(d.len(), 21);
    assert_eq!(d[0].code, "transport");
    assert_eq!(d[0].name, "丽水市交通运输局");
    assert!(d.iter().any(|x| x.name == "国网丽水供电公司" && x.parent_unit == "国网浙江省电力有限公司"));
    assert!(d.iter().any(|x| x.name == "国家税务总局丽水市税务局" && x.parent_unit == "国家税务总局浙江省税务局"));
    let codes: BTreeSet<&str> = d.iter().map(|x| x.code.as_str()).collect();
    assert_eq!(codes.len(), 21, "codes unique");
    assert!(d.iter().all(|x| !x.name.contains('{') && !x.parent_unit.contains('{')));
}

#[test]
fn county_kinds_follow_the_name() {
    assert_eq!(county_kind("莲都区"), "市辖区");
    assert_eq!(county_kind("龙泉市"), "县级市");
    assert_eq!(county_kind("景宁畲族自治县"), "自治县");
    assert_eq!(county_kind("青田县"), "县");
    assert_eq!(county_kind("鄂托克旗"), "旗");
}

#[test]
fn extra_districts_parse() {
    assert_eq!(
        ExtraDistrict::parse(" 丽水经济技术开发区 ").unwrap(),
        ExtraDistrict { name: "丽水经济技术开发区".into(), township_codes: vec![] }
    );
    assert_eq!(ExtraDistrict::parse("区=331102008;331102001").unwrap().township_codes, ["331102008", "331102001"]);
    assert_eq!(ExtraDistrict::parse("").unwrap_err().field, "extra_district");
    assert!(ExtraDistrict::parse("区=12345").is_err());
}
