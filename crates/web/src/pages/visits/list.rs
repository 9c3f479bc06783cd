//! GET /visits (an officer's "today" and "this month", or the scoped list) and its export.

use super::*;

// ---------------------------------------------------------------------------
// GET /visits: the officer's "today" and "this month", or the scoped list
// ---------------------------------------------------------------------------

/// One enterprise of "today", ready to show.
pub struct TodayItem {
    pub row: TodayRow,
    pub last: String,
}

/// One visit of a list, ready to show.
pub struct ListItem {
    pub row: VisitRow,
    pub started: String,
    pub mode: String,
    pub roles: String,
}

fn list_item(lang: Lang, row: VisitRow) -> ListItem {
    ListItem {
        started: display_cst(row.started_at),
        mode: mode_label(lang, &row.mode),
        roles: roles_label(lang, &row.roles),
        row,
    }
}

#[derive(Template)]
#[template(path = "visits_today.html")]
struct TodayPage {
    c: Chrome,
    sub: Vec<(&'static str, String, &'static str)>,
    month: String,
    days_left: u32,
    today: Vec<TodayItem>,
    behind: usize,
    mine: Vec<ListItem>,
    mine_total: i64,
}

#[derive(Template)]
#[template(path = "visits.html")]
struct ListPage {
    c: Chrome,
    sub: Vec<(&'static str, String, &'static str)>,
    q: VisitQuery,
    view: String,
    rows: Vec<ListItem>,
    total: i64,
    query: String,
    pager: Pager,
    districts: Vec<(i64, String)>,
    officers: Vec<(i64, String)>,
    /// The officer picker needs a district first (city-wide viewers).
    officer_hint: bool,
    /// The enterprise filtered on: (id, name).
    enterprise: Option<(i64, String)>,
    district_sel: i64,
    officer_sel: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    pub officer_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub district_id: Option<String>,
    pub month: Option<String>,
    pub page: Option<String>,
    /// `all`: an officer's full list instead of "today".
    pub view: Option<String>,
}

/// GET /visits
pub async fn list(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(lq): Query<ListQuery>,
) -> Result<Response, PageError> {
    let filtered = [&lq.officer_id, &lq.enterprise_id, &lq.district_id, &lq.month, &lq.page]
        .iter()
        .any(|v| v.as_deref().is_some_and(|s| !s.trim().is_empty()));
    if ctx.actor.may(Capability::VisitRecord) && lq.view.is_none() && !filtered {
        return today(&st, &ctx).await.map(IntoResponse::into_response);
    }
    let lang = ctx.lang;
    let q = VisitQuery {
        officer_id: lq.officer_id,
        enterprise_id: lq.enterprise_id,
        district_id: lq.district_id,
        month: lq.month,
        page: lq.page.as_deref().and_then(|p| p.trim().parse().ok()),
        per_page: None,
    };
    let f = q.filter()?;
    let res = st.app.visits(&ctx.actor, &f, Page::new(q.page, Some(30)), &ctx.meta).await?;
    let districts: Vec<(i64, String)> = if city_wide(&ctx) {
        st.app.districts().await?.into_iter().map(|d| (d.id, d.name)).collect()
    } else {
        Vec::new()
    };
    let officer_district = match ctx.actor.role {
        Role::DistrictAdmin | Role::Coordinator => ctx.actor.district_id.or(f.district_id),
        _ => f.district_id,
    };
    // Who keeps an officer directory picks an officer; a long one (beyond
    // one's own sent officers) only once a district narrows it.
    let officers_reach = capability::reach(ctx.actor.role, Capability::OfficerList);
    let pick_officers = officers_reach.is_some();
    let officer_hint = pick_officers && officer_district.is_none() && officers_reach != Some(Reach::Own);
    let officers: Vec<(i64, String)> = if pick_officers && !officer_hint {
        let filter = OfficerFilter { district_id: officer_district, ..Default::default() };
        st.app
            .officers(&ctx.actor, &filter, Page::new(Some(1), Some(500)), &ctx.meta)
            .await?
            .items
            .into_iter()
            .map(|o| (o.id, o.display_name))
            .collect()
    } else {
        Vec::new()
    };
    let enterprise = f.enterprise_id.map(|id| {
        let name = res.items.first().map_or_else(|| format!("#{id}"), |r| r.enterprise_name.clone());
        (id, name)
    });
    let view = lq.view.unwrap_or_default();
    let query = query_string(&[
        ("view", view.clone()),
        ("month", f.month.clone().unwrap_or_default()),
        ("district_id", f.district_id.map(|v| v.to_string()).unwrap_or_default()),
        ("officer_id", f.officer_id.map(|v| v.to_string()).unwrap_or_default()),
        ("enterprise_id", f.enterprise_id.map(|v| v.to_string()).unwrap_or_default()),
    ]);
    let title = if ctx.actor.may(Capability::VisitRecord) { "visits_history" } else { "visits" };
    let p = ListPage {
        c: chrome(&ctx, "visits", lang.t(title).to_string(), "visits"),
        sub: subnav(&ctx),
        view,
        total: res.total,
        pager: Pager::new("/visits", &query, res.page, res.per_page, res.total),
        rows: res.items.into_iter().map(|r| list_item(lang, r)).collect(),
        query,
        districts,
        officers,
        officer_hint,
        enterprise,
        district_sel: f.district_id.unwrap_or(-1),
        officer_sel: f.officer_id.unwrap_or(-1),
        q,
    };
    render(&ctx, &p).map(IntoResponse::into_response)
}

async fn today(st: &AppState, ctx: &Ctx) -> Result<Html<String>, PageError> {
    let lang = ctx.lang;
    let now = st.app.now_ms();
    let month = YearMonth::of(now);
    let rows = st.app.officer_today(&ctx.actor).await?;
    let f = VisitFilter { month: Some(month.key()), ..Default::default() };
    let mine = st.app.visits(&ctx.actor, &f, Page::new(Some(1), Some(100)), &ctx.meta).await?;
    let p = TodayPage {
        c: chrome(ctx, "visits-today", lang.t("visits_today").to_string(), "visits"),
        sub: subnav(ctx),
        month: month.key(),
        days_left: month.days_left(now),
        behind: rows.iter().filter(|r| r.needed > 0).count(),
        today: rows
            .into_iter()
            .map(|r| TodayItem {
                last: r.last_visit_at.map_or_else(|| lang.t("never_visited").to_string(), display_cst),
                row: r,
            })
            .collect(),
        mine_total: mine.total,
        mine: mine.items.into_iter().map(|r| list_item(lang, r)).collect(),
    };
    render(ctx, &p)
}

/// GET /visits/export.xlsx — the filtered list.
pub async fn export(
    State(st): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(q): Query<VisitQuery>,
) -> Result<Response, PageError> {
    let f = q.filter()?;
    let bytes = st.app.export_visits_xlsx(&ctx.actor, &f, &ctx.meta).await?;
    Ok(xlsx_response("visits", bytes))
}
