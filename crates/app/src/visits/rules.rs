//! The monthly visit rule: city-wide, per-district minimums and the reminder day.

use super::Rules;
use crate::{App, RequestMeta, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use zhuqi_domain::capability::Capability;
use zhuqi_domain::visit::{self, VisitRule};
use zhuqi_domain::{Actor, FieldError};
use zhuqi_store::visits as store;
use zhuqi_store::Conn;

/// The visit rule as set: the city's rule, each district's override of the
/// minimum, and the reminder day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisitRuleSettings {
    pub city: VisitRule,
    pub reminder_day: u32,
    pub overrides: Vec<DistrictMin>,
}

/// A district's own monthly minimum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DistrictMin {
    pub district_id: i64,
    pub district_name: String,
    pub min_per_month: u32,
}

/// A change of the city-wide rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct VisitRuleUpdate {
    pub min_per_month: u32,
    pub on_site_only: bool,
    pub reminder_day: u32,
}

fn parse_min(key: &str, v: &str) -> Option<u32> {
    match v.trim().parse::<u32>() {
        Ok(n) if VisitRule::validate_min(n).is_ok() => Some(n),
        _ => {
            tracing::warn!(key, value = v, "ignoring a bad visit rule setting");
            None
        }
    }
}

impl App {
    pub(super) async fn load_rules(&self, c: &mut Conn) -> Result<Rules> {
        let mut rules = Rules {
            city: VisitRule::default(),
            min_by_district: HashMap::new(),
            reminder_day: visit::DEFAULT_REMINDER_DAY,
        };
        for (key, value) in store::rule_settings(c).await? {
            if key == store::MIN_PER_MONTH_KEY {
                if let Some(n) = parse_min(&key, &value) {
                    rules.city.min_per_month = n;
                }
            } else if key == store::ON_SITE_ONLY_KEY {
                rules.city.on_site_only = value.trim() == "1";
            } else if key == store::REMINDER_DAY_KEY {
                match value.trim().parse::<u32>() {
                    Ok(d) if visit::validate_reminder_day(d).is_ok() => rules.reminder_day = d,
                    _ => tracing::warn!(key, value, "ignoring a bad visit rule setting"),
                }
            } else if let Some(d) = key.strip_prefix(store::MIN_PER_MONTH_DISTRICT_PREFIX) {
                if let (Ok(d), Some(n)) = (d.parse::<i64>(), parse_min(&key, &value)) {
                    rules.min_by_district.insert(d, n);
                }
            }
        }
        Ok(rules)
    }

    /// The rule in force in a district (`None`: the city-wide rule).
    pub async fn visit_rule(&self, district_id: Option<i64>) -> Result<VisitRule> {
        let mut c = self.store.read().await?;
        let rules = self.load_rules(&mut c).await?;
        Ok(match district_id {
            Some(d) => rules.for_district(d),
            None => rules.city,
        })
    }

    /// The rule as set: city-wide, per-district minimums, reminder day.
    pub async fn visit_rule_settings(&self) -> Result<VisitRuleSettings> {
        let mut c = self.store.read().await?;
        let rules = self.load_rules(&mut c).await?;
        let mut overrides = Vec::new();
        for d in zhuqi_store::regions::by_level(&mut c, "district").await? {
            if let Some(n) = rules.min_by_district.get(&d.id) {
                overrides.push(DistrictMin { district_id: d.id, district_name: d.name, min_per_month: *n });
            }
        }
        Ok(VisitRuleSettings { city: rules.city, reminder_day: rules.reminder_day, overrides })
    }

    /// Sets the city-wide rule and reminder day (city admin).
    pub async fn set_visit_rule(&self, actor: &Actor, update: &VisitRuleUpdate, meta: &RequestMeta) -> Result<()> {
        if !actor.may_in_district(Capability::VisitRuleManage, None) {
            return Err(self.deny(actor, "set_visit_rule", "setting:visit_rule", meta).await);
        }
        VisitRule::validate_min(update.min_per_month)?;
        visit::validate_reminder_day(update.reminder_day)?;
        let mut tx = self.store.begin().await?;
        let set = zhuqi_store::catalogue::set_setting;
        set(&mut tx, store::MIN_PER_MONTH_KEY, &update.min_per_month.to_string()).await?;
        set(&mut tx, store::ON_SITE_ONLY_KEY, if update.on_site_only { "1" } else { "0" }).await?;
        set(&mut tx, store::REMINDER_DAY_KEY, &update.reminder_day.to_string()).await?;
        tx.commit().await?;
        let detail = format!(
            "min_per_month={} on_site_only={} reminder_day={}",
            update.min_per_month, update.on_site_only, update.reminder_day
        );
        self.audit(Some(actor), "set_visit_rule", "setting:visit_rule", "success", &detail, meta).await;
        Ok(())
    }

    /// Sets (or with `None` removes) a district's own monthly minimum (city admin).
    pub async fn set_district_visit_min(
        &self,
        actor: &Actor,
        district_id: i64,
        min_per_month: Option<u32>,
        meta: &RequestMeta,
    ) -> Result<()> {
        let key = format!("{}{district_id}", store::MIN_PER_MONTH_DISTRICT_PREFIX);
        let target = format!("setting:{key}");
        if !actor.may_in_district(Capability::VisitRuleManage, None) {
            return Err(self.deny(actor, "set_visit_rule", &target, meta).await);
        }
        if let Some(n) = min_per_month {
            VisitRule::validate_min(n)?;
        }
        let mut tx = self.store.begin().await?;
        if zhuqi_store::regions::get(&mut tx, district_id).await?.is_none_or(|r| r.level != "district") {
            return Err(FieldError::new("district_id", format!("no district {district_id}")).into());
        }
        match min_per_month {
            Some(n) => zhuqi_store::catalogue::set_setting(&mut tx, &key, &n.to_string()).await?,
            None => {
                store::delete_setting(&mut tx, &key).await?;
            }
        }
        tx.commit().await?;
        let detail = min_per_month.map_or_else(|| "cleared".to_string(), |n| format!("min_per_month={n}"));
        self.audit(Some(actor), "set_visit_rule", &target, "success", &detail, meta).await;
        Ok(())
    }
}
