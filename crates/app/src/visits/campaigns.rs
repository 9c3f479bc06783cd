//! Door-knock campaigns (敲门走访) and their coverage per township.

use super::rate;
use crate::{App, AppError, RequestMeta, Result};
use serde::{Deserialize, Serialize};
use zhuqi_domain::capability::{self, Capability, Reach};
use zhuqi_domain::visit::Campaign;
use zhuqi_domain::{Actor, FieldError, Scope};
use zhuqi_store::visits as store;
use zhuqi_store::visits::CampaignRow;

/// A new door-knock campaign. Dates are `YYYY-MM-DD` (China time, both included).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CampaignInput {
    pub name: String,
    /// None: the whole city (city admin only); a district admin's campaign is for their district.
    #[serde(default)]
    pub district_id: Option<i64>,
    pub starts_on: String,
    pub ends_on: String,
}

/// Coverage of one township in a campaign.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TownshipCoverage {
    pub district_id: i64,
    pub district_name: String,
    pub township_id: Option<i64>,
    /// The township, or the district's name for enterprises without one.
    pub township_name: String,
    pub enterprises: i64,
    pub visited_on_site: i64,
    pub rate: f64,
}

/// A campaign's coverage within the viewer's scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignCoverage {
    pub campaign: CampaignRow,
    /// The window has ended.
    pub finished: bool,
    pub enterprises: i64,
    pub visited_on_site: i64,
    pub rate: f64,
    pub townships: Vec<TownshipCoverage>,
}

impl App {
    /// Creates a door-knock campaign: the city admin for the city or any
    /// district, a district admin for their district.
    pub async fn create_campaign(
        &self,
        actor: &Actor,
        input: &CampaignInput,
        meta: &RequestMeta,
    ) -> Result<CampaignRow> {
        // City-wide reach: any district (or none); a district admin: their own.
        let district_id = if actor.may_in_district(Capability::CampaignManage, None) {
            input.district_id
        } else if actor.district_id.is_some()
            && actor.may_in_district(Capability::CampaignManage, input.district_id.or(actor.district_id))
        {
            actor.district_id
        } else {
            return Err(self.deny(actor, "create_campaign", "campaigns", meta).await);
        };
        let campaign = Campaign {
            id: 0,
            name: input.name.trim().to_string(),
            starts_on: Campaign::parse_date("starts_on", &input.starts_on)?,
            ends_on: Campaign::parse_date("ends_on", &input.ends_on)?,
        };
        campaign.validate()?;
        let now = self.now_ms();
        let mut tx = self.store.begin().await?;
        if let Some(d) = district_id {
            if zhuqi_store::regions::get(&mut tx, d).await?.is_none_or(|r| r.level != "district") {
                return Err(FieldError::new("district_id", format!("no district {d}")).into());
            }
        }
        let id = store::insert_campaign(
            &mut tx,
            &campaign.name,
            district_id,
            &campaign.starts_on.format("%Y-%m-%d").to_string(),
            &campaign.ends_on.format("%Y-%m-%d").to_string(),
            Some(actor.user_id),
            now,
        )
        .await?;
        let row =
            store::campaign(&mut tx, id).await?.ok_or_else(|| AppError::Internal(format!("campaign {id} vanished")))?;
        tx.commit().await?;
        self.audit(Some(actor), "create_campaign", &format!("campaign:{id}"), "success", &row.name, meta).await;
        Ok(row)
    }

    /// The campaigns an actor sees: city-wide ones and those of their
    /// district (all for the city). Department roles and enterprise users: 403.
    pub async fn campaigns(&self, actor: &Actor, meta: &RequestMeta) -> Result<Vec<CampaignRow>> {
        let Some(district) = actor.campaign_district() else {
            return Err(self.deny(actor, "list_campaigns", "campaigns", meta).await);
        };
        let mut c = self.store.read().await?;
        Ok(store::campaigns(&mut c, district).await?)
    }

    /// A campaign's coverage per township within the actor's enterprise
    /// scope: enterprises registered before the window ended, and how many
    /// got an on-site visit within it (404 for another district's campaign).
    pub async fn campaign_coverage(&self, actor: &Actor, id: i64, meta: &RequestMeta) -> Result<CampaignCoverage> {
        let scope = actor.enterprise_scope();
        if scope == Scope::Nothing || !actor.may(Capability::CampaignRead) {
            return Err(self.deny(actor, "read_campaign", &format!("campaign:{id}"), meta).await);
        }
        let mut c = self.store.read().await?;
        let campaign =
            store::campaign(&mut c, id).await?.ok_or_else(|| AppError::NotFound(format!("campaign {id}")))?;
        let city_wide = capability::reach(actor.role, Capability::CampaignRead) == Some(Reach::All);
        let own_district = if city_wide { None } else { actor.district_id };
        if let (Some(cd), Some(own)) = (campaign.district_id, own_district) {
            if cd != own {
                return Err(AppError::NotFound(format!("campaign {id}")));
            }
        }
        let window = Campaign {
            id,
            name: campaign.name.clone(),
            starts_on: Campaign::parse_date("starts_on", &campaign.starts_on)?,
            ends_on: Campaign::parse_date("ends_on", &campaign.ends_on)?,
        };
        let (start, end) = window.window_ms();
        let rows = store::coverage(&mut c, start, end, campaign.district_id, scope).await?;
        let townships: Vec<TownshipCoverage> = rows
            .into_iter()
            .map(|r| TownshipCoverage {
                rate: rate(r.visited_on_site, r.enterprises),
                township_name: r.township_name.unwrap_or_else(|| r.district_name.clone()),
                district_id: r.district_id,
                district_name: r.district_name,
                township_id: r.township_id,
                enterprises: r.enterprises,
                visited_on_site: r.visited_on_site,
            })
            .collect();
        let enterprises = townships.iter().map(|t| t.enterprises).sum();
        let visited_on_site = townships.iter().map(|t| t.visited_on_site).sum();
        Ok(CampaignCoverage {
            finished: self.now_ms() >= end,
            campaign,
            enterprises,
            visited_on_site,
            rate: rate(visited_on_site, enterprises),
            townships,
        })
    }
}
