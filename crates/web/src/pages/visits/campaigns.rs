//! Door-knock campaigns: GET/POST /visits/campaigns, GET /visits/campaigns/{id}.

use super::*;

// ---------------------------------------------------------------------------
// Campaigns: GET/POST /visits/campaigns, GET /visits/campaigns/{id}
// ---------------------------------------------------------------------------

/// A campaign as the list shows it.
pub struct CampaignView {
    pub id: i64,
    pub name: String,
    pub area: String,
    pub starts_on: String,
    pub ends_on: String,
    /// "upcoming", "running" or "finished".
    pub state: &'static str,
    pub state_label: String,
}

/// What the create form holds.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CampaignForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub district_id: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
}

#[derive(Template)]
#[template(path = "visits_campaigns.html")]
struct CampaignsPage {
    c: Chrome,
    sub: Vec<(&'static str, String, &'static str)>,
    rows: Vec<CampaignView>,
    can_create: bool,
    /// The city admin picks the area (empty: the whole city).
    districts: Vec<(i64, String)>,
    form: CampaignForm,
    error: Option<String>,
}

async fn campaigns_page(
    st: &AppState,
    ctx: &Ctx,
    form: Option<CampaignForm>,
    error: Option<String>,
) -> Result<Html<String>, PageError> {
    let lang = ctx.lang;
    let list = st.app.campaigns(&ctx.actor, &ctx.meta).await?;
    let today = zhuqi_domain::visit::china_date(st.app.now_ms()).format("%Y-%m-%d").to_string();
    let rows = list
        .into_iter()
        .map(|c| {
            let state = if today < c.starts_on {
                "upcoming"
            } else if today > c.ends_on {
                "finished"
            } else {
                "running"
            };
            CampaignView {
                id: c.id,
                area: c.district_name.clone().unwrap_or_else(|| lang.t("whole_city").to_string()),
                name: c.name,
                starts_on: c.starts_on,
                ends_on: c.ends_on,
                state,
                state_label: lang.t(&format!("campaign_{state}")).to_string(),
            }
        })
        .collect();
    let can_create = ctx.actor.may_in_district(Capability::CampaignManage, None)
        || ctx.actor.may_in_district(Capability::CampaignManage, ctx.actor.district_id);
    let districts = if capability::reach(ctx.actor.role, Capability::CampaignManage) == Some(Reach::All) {
        st.app.districts().await?.into_iter().map(|d| (d.id, d.name)).collect()
    } else {
        Vec::new()
    };
    let p = CampaignsPage {
        c: chrome(ctx, "visits-campaigns", lang.t("visits_campaigns").to_string(), "visits"),
        sub: subnav(ctx),
        rows,
        can_create,
        districts,
        form: form.unwrap_or_default(),
        error,
    };
    render(ctx, &p)
}

/// GET /visits/campaigns
pub async fn campaigns(State(st): State<AppState>, PageCtx(ctx): PageCtx) -> Result<Html<String>, PageError> {
    campaigns_page(&st, &ctx, None, None).await
}

/// POST /visits/campaigns → the new campaign's coverage.
pub async fn create_campaign(State(st): State<AppState>, f: CsrfForm<CampaignForm>) -> Result<Response, PageError> {
    let ctx = f.ctx;
    let form = f.form;
    let result = match crate::api::visits::parse_id("district_id", &Some(form.district_id.clone())) {
        Ok(district_id) => {
            let input = CampaignInput {
                name: form.name.clone(),
                district_id,
                starts_on: form.starts_on.clone(),
                ends_on: form.ends_on.clone(),
            };
            st.app.create_campaign(&ctx.actor, &input, &ctx.meta).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => Ok(see_other(&format!("/visits/campaigns/{}", c.id))),
        Err(e) => {
            let msg = form_error(e, &ctx)?;
            Ok(unprocessable(campaigns_page(&st, &ctx, Some(form), Some(msg)).await?))
        }
    }
}

/// A township row of the coverage, ready to show.
pub struct TownshipView {
    pub district: String,
    pub township: String,
    pub enterprises: i64,
    pub visited: i64,
    pub missing: i64,
    pub rate: String,
    /// Whole percent, for the bar.
    pub percent: i64,
}

#[derive(Template)]
#[template(path = "visit_campaign.html")]
struct CampaignPage {
    c: Chrome,
    sub: Vec<(&'static str, String, &'static str)>,
    cov: CampaignCoverage,
    area: String,
    rate: String,
    percent: i64,
    rows: Vec<TownshipView>,
}

/// GET /visits/campaigns/{id} — coverage per township.
pub async fn campaign(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(id): Path<i64>,
) -> Result<Html<String>, PageError> {
    let lang = ctx.lang;
    let cov = st.app.campaign_coverage(&ctx.actor, id, &ctx.meta).await?;
    let whole = |r: f64| (r * 100.0).floor() as i64;
    let rows = cov
        .townships
        .iter()
        .map(|t| TownshipView {
            district: t.district_name.clone(),
            township: t.township_name.clone(),
            enterprises: t.enterprises,
            visited: t.visited_on_site,
            missing: t.enterprises - t.visited_on_site,
            rate: pct(t.rate),
            percent: whole(t.rate),
        })
        .collect();
    let p = CampaignPage {
        c: chrome(&ctx, "visit-campaign", cov.campaign.name.clone(), "visits"),
        sub: subnav(&ctx),
        area: cov.campaign.district_name.clone().unwrap_or_else(|| lang.t("whole_city").to_string()),
        rate: pct(cov.rate),
        percent: whole(cov.rate),
        rows,
        cov,
    };
    render(&ctx, &p)
}
