//! The demo city's demands (诉求): 576 of them over the last four months up
//! to "today" (the injected clock), in every state, each driven through the
//! REAL rules of `zhuqi_domain::demand` — [`decide`](demand::decide) with the
//! right actor at increasing simulated instants, every step persisted by the
//! same code path as a live command ([`App::persist`]).
//!
//! The generator is seeded and reads no wall clock: "now" is
//! [`App::now_ms`], and every timeline is laid out in working time (08:30 to
//! 12:00 and 13:30 to 17:30 on the working days of the calendar) relative
//! to it, so the demo looks right whenever it is built: the open demands are
//! recent, a few are overdue (red), some are behind (yellow) or due soon
//! (blue), and the 三色督办 warnings on the timelines are raised at the
//! instants the sweeper would have raised them.
//!
//! It also plants a 物流受限 wave: in one recent week a dozen 0102 demands
//! from different enterprises of four districts with similar descriptions
//! (the kind of cluster the hot-issue detection must find).

use crate::{App, AppError, Result};
use std::collections::{HashMap, HashSet};
use zhuqi_domain::calendar::{start_of_day_cst, WorkCalendar, WorkingDays};
use zhuqi_domain::clock::{china_offset, from_ms};
use zhuqi_domain::demand::{
    self, Channel, Colour, Command, DemandActor, DemandState, Event, NewDemand, Rating, Status, TimeLimits, Urgency,
    Who,
};
use zhuqi_domain::{Role, Scope};
use zhuqi_store::demands as store;
use zhuqi_store::enterprises::EnterpriseFilter;
use zhuqi_store::{catalogue, departments, enterprises, meta, users, Conn, Page};

/// How many demands the demo city gets.
pub const DEMO_DEMANDS: usize = 576;
/// Demands of the 物流受限 wave (category 0102, one recent week).
pub const WAVE_DEMANDS: usize = 12;
/// The category of the wave.
pub const WAVE_CATEGORY: &str = "0102";

/// The meta key recording that the demands were generated.
const DEMANDS_BUILT_KEY: &str = "demo_demands_built";
/// Seed of the generator (never change it: the demo must not drift).
const SEED: u64 = 0x5A48_5551_4445_4D44;
/// Demands per write transaction.
const BATCH: usize = 50;
/// How far back the demands go, in days (about four months).
const HISTORY_DAYS: i64 = 122;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// Working minutes in one working day (the two windows below).
const WD: i64 = 450;
/// Working windows of a working day, minutes after 00:00 China time.
const WINDOWS: [(i64, i64); 2] = [(8 * 60 + 30, 12 * 60), (13 * 60 + 30, 17 * 60 + 30)];
/// When the simulated sweeper looks (China time, after 00:00): just after
/// midnight (deadlines end then), mid-morning and mid-afternoon.
const TICKS: [i64; 3] = [MINUTE / 2, 9 * HOUR, 14 * HOUR];

/// What the generation did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DemoDemandsSummary {
    pub demands: usize,
    pub events: usize,
    /// Warnings (蓝/黄/红) raised on the timelines by the simulated sweeper.
    pub escalations: usize,
    /// Demands whose script stopped early (a step the rules refused or that
    /// would lie in the future); 0 on a normal build.
    pub truncated: usize,
    /// Demands per status, in [`Status::ALL`] order (absent statuses left out).
    pub by_status: Vec<(Status, usize)>,
    /// What the final sweep did.
    pub swept: crate::demands::SweepReport,
}

// ---------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------

/// The demo's shared random numbers.
type Rng = crate::demo_rng::SplitMix64;

fn internal(msg: impl Into<String>) -> AppError {
    AppError::Internal(msg.into())
}

// ---------------------------------------------------------------------------
// Working time
// ---------------------------------------------------------------------------

fn date_of(ms: i64) -> chrono::NaiveDate {
    from_ms(ms).with_timezone(&china_offset()).date_naive()
}

fn day_start(d: chrono::NaiveDate) -> i64 {
    start_of_day_cst(d).timestamp_millis()
}

/// `minutes` of working time after the instant `t` (an instant outside
/// working time first moves to the start of the next window).
fn add_work(cal: &WorkCalendar, t: i64, minutes: i64) -> i64 {
    let mut left = minutes.max(0) * MINUTE;
    let mut t = t;
    let mut d = date_of(t);
    for _ in 0..5000 {
        if cal.is_working_day(d) {
            for (a, b) in WINDOWS {
                let (s, e) = (day_start(d) + a * MINUTE, day_start(d) + b * MINUTE);
                if t >= e {
                    continue;
                }
                let from = t.max(s);
                if from + left <= e {
                    return from + left;
                }
                left -= e - from;
                t = e;
            }
        }
        let Some(next) = d.succ_opt() else { break };
        d = next;
        t = t.max(day_start(d));
    }
    t
}

/// `minutes` of working time before the instant `t` (an instant outside
/// working time first moves back to the end of the previous window).
fn sub_work(cal: &WorkCalendar, t: i64, minutes: i64) -> i64 {
    let mut left = minutes.max(0) * MINUTE;
    let mut t = t;
    let mut d = date_of(t);
    for _ in 0..5000 {
        if cal.is_working_day(d) {
            for (a, b) in WINDOWS.iter().rev() {
                let (s, e) = (day_start(d) + a * MINUTE, day_start(d) + b * MINUTE);
                if t <= s {
                    continue;
                }
                let to = t.min(e);
                if to - left >= s {
                    return to - left;
                }
                left -= to - s;
                t = s;
            }
        }
        let Some(prev) = d.pred_opt() else { break };
        d = prev;
        t = t.min(day_start(d) + DAY);
    }
    t
}

/// Working minutes between two instants.
fn work_between(cal: &WorkCalendar, from: i64, to: i64) -> i64 {
    let mut total = 0;
    let mut d = date_of(from);
    let last = date_of(to);
    while d <= last {
        if cal.is_working_day(d) {
            for (a, b) in WINDOWS {
                let (s, e) = (day_start(d) + a * MINUTE, day_start(d) + b * MINUTE);
                let (s, e) = (s.max(from), e.min(to));
                if e > s {
                    total += e - s;
                }
            }
        }
        let Some(next) = d.succ_opt() else { break };
        d = next;
    }
    total / MINUTE
}

/// The instants in `(from, to]` at which the simulated sweeper looks.
fn ticks(from: i64, to: i64) -> Vec<i64> {
    let mut out = Vec::new();
    if to <= from {
        return out;
    }
    let mut d = date_of(from);
    let last = date_of(to);
    while d <= last {
        for off in TICKS {
            let t = day_start(d) + off;
            if t > from && t <= to {
                out.push(t);
            }
        }
        let Some(next) = d.succ_opt() else { break };
        d = next;
    }
    out
}

// ---------------------------------------------------------------------------
// Texts
// ---------------------------------------------------------------------------

/// One kind of demand of a category: title, description and the reply that
/// resolves it. `{ind}` (the enterprise's industry), `{town}`, `{dist}`,
/// `{n}`, `{n2}`, `{m}` (万元), `{p}` (people), `{mu}` (亩), `{kva}`,
/// `{kva2}`, `{pct}`, `{rate}`, `{bank}` and `{doc}` are filled per demand.
struct Case {
    title: &'static str,
    desc: &'static str,
    reply: &'static str,
}

const fn case(title: &'static str, desc: &'static str, reply: &'static str) -> Case {
    Case { title, desc, reply }
}

/// Another department a demand of the category may really belong to: the
/// reason a coordinator gives when transferring it there, and the reason
/// the first lead department gives when objecting to the dispatch.
struct Other {
    dept: &'static str,
    transfer: &'static str,
    objection: &'static str,
}

/// A category of the default catalogue as the demo uses it.
struct CategoryDemo {
    code: &'static str,
    /// How common it is.
    weight: u64,
    /// Departments that typically assist (by code).
    assist: &'static [&'static str],
    other: Option<Other>,
    /// The reply counts an outcome (e.g. permits issued = `{n}`).
    outcome: bool,
    cases: &'static [Case],
}

const fn other(dept: &'static str, transfer: &'static str, objection: &'static str) -> Option<Other> {
    Some(Other { dept, transfer, objection })
}

const CATEGORIES: &[CategoryDemo] = &[
    CategoryDemo {
        code: "0101",
        weight: 3,
        assist: &["police"],
        other: other(
            "police",
            "货车通行证由公安交警部门核发，转交警部门办理。",
            "货车通行证由公安交警部门核发，建议改派公安交警部门。",
        ),
        outcome: true,
        cases: &[
            case(
                "申请重点物资运输车辆通行证",
                "我司主要生产{ind}，原料需从省外运入，目前有{n}辆运输车辆未办理通行证，无法进入{town}工业园区卸货，请协助办理重点物资运输车辆通行证。",
                "已联系企业核实车辆及驾驶员信息，{n}辆运输车辆的重点物资运输车辆通行证已办结，企业可通过浙里办在线打印使用。",
            ),
            case(
                "货车市区限行时段通行证办理",
                "公司有{n}辆自有货车承担{ind}成品配送，市区限行时段无法通行，影响按期交货，希望了解货车通行证办理条件并尽快办理。",
                "已向企业说明市区货车通行管理规定，指导企业线上提交申请，已为企业核发限行时段通行证{n}张。",
            ),
            case(
                "运输车辆通行证到期续办受阻",
                "公司运输车辆通行证将于本月底到期，线上续办已提交{n}天仍显示审核中，担心影响正常发货，请帮助加快办理。",
                "经核查，企业续办申请因车辆年检信息未同步被退回，已协调数据同步，{n}张通行证已续办完成。",
            ),
        ],
    },
    CategoryDemo {
        code: "0102",
        weight: 1,
        assist: &["police", "health"],
        other: None,
        outcome: false,
        cases: &[
            case(
                "运输受阻：道路施工大型货车进不了园区",
                "受周边道路施工和临时交通管制影响，大型原料运输车辆无法进入{town}工业园区，我司{ind}生产所需原料只能在园区外转运，每天增加成本约{n}千元，请协调解决车辆通行问题。",
                "已会同交警部门调整施工期间交通组织方案，开辟园区货运临时通道，原料运输车辆已恢复正常进出。",
            ),
            case(
                "物流公司暂停揽收，成品发不出去",
                "近期合作物流公司以线路调整为由暂停在{town}的揽收业务，我司{n}个批次{ind}成品积压在仓库，客户催货压力大，希望帮助对接其他物流资源。",
                "已组织{dist}物流行业协会对接{n2}家物流企业，企业已与其中一家签订运输协议，积压成品已陆续发出。",
            ),
        ],
    },
    CategoryDemo {
        code: "0103",
        weight: 2,
        assist: &["commerce"],
        other: other(
            "commerce",
            "外贸出口物流保障由商务部门牵头，转商务局办理。",
            "外贸出口物流保障由商务部门牵头，建议改派商务局。",
        ),
        outcome: false,
        cases: &[
            case(
                "出口集装箱订舱难、海运费上涨",
                "公司{ind}产品主要出口欧美，经宁波舟山港出运，近期集装箱一箱难求，海运费较年初上涨{pct}%，希望协调海铁联运班列舱位。",
                "已对接宁波舟山港丽水内陆港，为企业预留每周{n}个标箱舱位，并告知海铁联运运费补贴申报办法。",
            ),
            case(
                "申请使用丽水至宁波海铁联运班列",
                "公司每月出口约{n2}个标箱，希望了解丽水海铁联运班列的开行时间、运价及补贴政策，降低物流成本。",
                "已向企业提供班列开行时刻和运价，协助企业与班列运营公司签订运输协议，可享受海铁联运补贴。",
            ),
        ],
    },
    CategoryDemo {
        code: "0201",
        weight: 2,
        assist: &["commerce", "market"],
        other: other(
            "commerce",
            "防疫物资调配由商务部门牵头保障，转商务局办理。",
            "防疫物资的采购调配由商务部门牵头，建议改派商务局。",
        ),
        outcome: false,
        cases: &[
            case(
                "防疫物资短缺，口罩消毒液库存不足",
                "公司员工{p}人，按防疫要求每天需配备口罩并对车间消毒，目前市场采购困难，库存仅够{n}天使用，请求协调调配防疫物资。",
                "已协调市医药储备单位向企业调拨医用口罩{n}千只、消毒液{n2}箱，企业已签收。",
            ),
            case(
                "急需抗原检测试剂",
                "公司有{p}名员工需定期开展抗原检测，近期采购不到检测试剂，影响正常排班生产，请帮助协调采购渠道。",
                "已为企业对接防疫物资保障企业，首批检测试剂{n}百人份已送达，后续按需供应。",
            ),
        ],
    },
    CategoryDemo {
        code: "0202",
        weight: 1,
        assist: &[],
        other: None,
        outcome: false,
        cases: &[
            case(
                "复工复产防疫方案咨询",
                "公司计划下周恢复全面生产，外地返岗员工约{p}人，不清楚返岗人员健康监测和厂区防控的具体要求，请派员上门指导。",
                "属地疾控中心已派员上门指导，协助企业完善防疫工作方案，明确了返岗人员健康监测流程和车间防控要求。",
            ),
            case(
                "员工食堂和宿舍防控指导",
                "公司有员工宿舍{n2}间、食堂一处，希望卫健部门指导集中住宿和就餐场所的防控措施。",
                "已安排专业人员现场指导，对宿舍分区管理、错峰就餐等提出{n}条建议，企业已落实。",
            ),
        ],
    },
    CategoryDemo {
        code: "0301",
        weight: 7,
        assist: &["pbc"],
        other: other(
            "pbc",
            "涉及央行再贷款再贴现政策运用，转人民银行牵头对接。",
            "该事项涉及央行再贷款政策运用，建议改派人民银行。",
        ),
        outcome: false,
        cases: &[
            case(
                "流动资金贷款到期，续贷困难",
                "公司在银行的{m}万元流动资金贷款将于下月到期，受订单下滑影响，银行要求先还后贷，企业短期难以筹措资金，希望协调无还本续贷。",
                "已组织{bank}与企业对接，银行同意为企业办理无还本续贷{m}万元，期限一年，利率下调{rate}个百分点。",
            ),
            case(
                "扩大生产急需贷款",
                "公司新接{ind}订单较多，需采购原材料并新增设备，资金缺口约{m}万元，现有抵押物已用足，希望帮助对接银行信贷支持。",
                "已将企业纳入金融服务直通车名单，{bank}已完成授信审批，发放信用贷款{m}万元。",
            ),
            case(
                "贷款利率偏高，希望降低融资成本",
                "公司现有贷款利率高于同行水平，财务费用压力较大，希望了解降低融资成本的政策，协调银行下调利率。",
                "已协调{bank}对企业存量贷款重新定价，利率下调{rate}个百分点，每年可节约财务费用约{n}万元。",
            ),
        ],
    },
    CategoryDemo {
        code: "0302",
        weight: 3,
        assist: &["finance"],
        other: None,
        outcome: false,
        cases: &[
            case(
                "缺少抵押物，申请政策性融资担保",
                "公司属轻资产企业，厂房为租赁，银行要求提供抵押或担保，希望通过政府性融资担保机构提供担保，额度约{m}万元。",
                "市融资担保公司已完成尽职调查，同意为企业提供{m}万元担保，担保费率按0.5%政策性费率执行，贷款已发放。",
            ),
            case(
                "知识产权质押融资咨询",
                "公司拥有发明专利{n}项，希望了解知识产权质押融资的办理流程和贴息政策。",
                "已指导企业办理专利质押登记，{bank}发放知识产权质押贷款{m}万元，企业可按规定申请贴息。",
            ),
        ],
    },
    CategoryDemo {
        code: "0303",
        weight: 2,
        assist: &[],
        other: other(
            "finreg",
            "应急转贷资金由地方金融监管部门统筹管理，转金融办办理。",
            "应急转贷资金由地方金融监管部门统筹，建议改派金融办。",
        ),
        outcome: false,
        cases: &[
            case(
                "申请应急转贷资金",
                "公司{m}万元贷款下周到期，银行续贷审批已通过，但需先归还原贷款，申请使用应急转贷资金过桥。",
                "已按应急转贷资金管理办法为企业办理转贷{m}万元，资金已于当日到账，续贷发放后归还。",
            ),
            case(
                "申请纾困专项资金",
                "受原材料价格上涨和订单减少影响，公司经营困难，希望了解纾困专项资金的申请条件。",
                "已向企业说明纾困资金申报条件，企业符合条件，已纳入本批次扶持名单，资金{m}万元将于近期拨付。",
            ),
        ],
    },
    CategoryDemo {
        code: "0401",
        weight: 7,
        assist: &["econ"],
        other: None,
        outcome: false,
        cases: &[
            case(
                "招工难，一线操作工缺口较大",
                "随着订单增加，公司计划扩产，一线操作工缺口约{p}人，通过线上平台招聘效果不佳，希望人社部门帮助对接劳务资源。",
                "已将企业用工需求纳入专场招聘会，并对接省外劳务协作站，首批{n2}名员工已到岗。",
            ),
            case(
                "急需招聘技术工人",
                "公司新上{ind}自动化生产线，急需数控操作、设备维修等技术工人{n2}名，本地难以招到，希望帮助推荐。",
                "已通过技工院校校企合作渠道推荐毕业生{n2}名，并将企业岗位发布到省级人才市场。",
            ),
            case(
                "节后员工返岗率低",
                "节后员工返岗率不足{pct}%，生产线无法满负荷运转，希望了解稳岗返岗补贴政策并协助招工。",
                "已告知企业稳岗返岗补贴申领办法，并组织{dist}人力资源市场开展专场招聘，企业已招录{n2}人。",
            ),
        ],
    },
    CategoryDemo {
        code: "0402",
        weight: 3,
        assist: &[],
        other: None,
        outcome: false,
        cases: &[
            case(
                "申请阶段性缓缴社会保险费",
                "受订单下降影响，公司经营困难，希望了解阶段性缓缴养老、失业、工伤保险费政策并申请缓缴。",
                "已指导企业通过线上渠道申请缓缴，缓缴期限至年底，缓缴期间免收滞纳金。",
            ),
            case(
                "失业保险稳岗返还未到账",
                "公司去年符合稳岗返还条件，但至今未收到返还资金，请帮助查询。",
                "经核查，企业因银行账户信息变更导致拨付失败，已更正账户信息，稳岗返还资金{n}万元已到账。",
            ),
        ],
    },
    CategoryDemo {
        code: "0403",
        weight: 2,
        assist: &[],
        other: None,
        outcome: false,
        cases: &[
            case(
                "申请员工技能培训补贴",
                "公司今年组织{p}名员工参加{ind}操作技能培训，希望了解以工代训补贴申领条件和所需材料。",
                "已告知补贴标准和申领流程，企业材料已提交并审核通过，培训补贴将于{n}个工作日内拨付。",
            ),
            case(
                "申请开展企业新型学徒制培训",
                "公司希望与技工院校合作开展新型学徒制培训，培养{n2}名技术骨干，请指导申报。",
                "已对接技工院校与企业签订培养协议，项目已备案，可按规定享受学徒制培训补贴。",
            ),
        ],
    },
    CategoryDemo {
        code: "0501",
        weight: 4,
        assist: &["econ", "drc"],
        other: None,
        outcome: false,
        cases: &[
            case(
                "扩建项目缺少用地指标",
                "公司计划新建{ind}智能化生产线，需新增工业用地约{mu}亩，目前{town}可用工业用地紧张，请求协调用地指标。",
                "已将企业项目列入年度重点项目用地保障清单，拟通过低效用地再开发安排用地约{mu}亩，出让计划预计下季度挂牌。",
            ),
            case(
                "厂区边角地块申请一并出让",
                "公司厂区东侧有一块约{n}亩的边角地块长期闲置，希望一并出让给企业用于建设仓库。",
                "经核查，该地块符合国土空间规划，已启动零星地块出让程序，预计两个月内完成。",
            ),
        ],
    },
    CategoryDemo {
        code: "0502",
        weight: 2,
        assist: &["housing"],
        other: other(
            "housing",
            "厂房加层涉及建设工程规划许可联合审查，转住建局牵头办理。",
            "该事项涉及建设工程联合审查，建议改派住建局牵头。",
        ),
        outcome: false,
        cases: &[
            case(
                "厂房加层规划许可办理",
                "公司拟在现有厂房上加建一层用于仓储，不清楚是否需要办理规划许可及具体流程。",
                "已向企业说明容积率调整和规划许可办理流程，企业已按要求提交方案，规划许可已核发。",
            ),
            case(
                "申请调整厂区规划设计条件",
                "公司扩建需提高建筑密度，现有规划设计条件无法满足，申请调整。",
                "已组织专家论证，同意在规范允许范围内调整规划设计条件，调整结果已公示。",
            ),
        ],
    },
    CategoryDemo {
        code: "0601",
        weight: 4,
        assist: &["econ"],
        other: None,
        outcome: false,
        cases: &[
            case(
                "用电增容申请，变压器容量不足",
                "公司新上{n}台生产设备，现有{kva}千伏安变压器满负荷运行，申请增容至{kva2}千伏安，希望缩短办理时限。",
                "供电公司已上门勘察并出具供电方案，增容工程纳入“三零”服务，已于{n}个工作日内完成送电。",
            ),
            case(
                "园区频繁停电影响生产",
                "近一个月{town}园区已停电{n}次，每次停电造成{ind}生产线停机、产品报废，希望供电部门排查原因。",
                "经排查为线路老化所致，已完成线路改造并调整检修计划，后续计划停电将提前三天通知企业。",
            ),
            case(
                "申请执行峰谷分时电价",
                "公司部分工序可调整至夜间生产，希望了解峰谷分时电价政策并申请执行。",
                "已为企业办理峰谷分时电价，预计每年节约电费{n}万元。",
            ),
        ],
    },
    CategoryDemo {
        code: "0602",
        weight: 2,
        assist: &[],
        other: other(
            "water",
            "该诉求涉及供水管网和工业用水保障，转水利局办理。",
            "该诉求涉及供水管网，属水务部门职责，建议改派水利局。",
        ),
        outcome: false,
        cases: &[
            case(
                "天然气管网接入申请",
                "公司计划将燃煤锅炉改为燃气锅炉，厂区周边尚未铺设燃气管网，希望协调燃气公司接入。",
                "已协调燃气公司制定接入方案，管网延伸工程已开工，预计{n}周内通气。",
            ),
            case(
                "工业用水水压不足",
                "公司位于{town}，近期用水高峰时段水压不足，影响生产用水，希望协调解决。",
                "已协调供水公司对该片区管网加压改造，企业用水水压已恢复正常。",
            ),
        ],
    },
    CategoryDemo {
        code: "0701",
        weight: 5,
        assist: &[],
        other: other(
            "drc",
            "咨询事项涉及发改部门项目扶持政策，转发改委答复。",
            "咨询事项属发改部门项目政策，建议改派发改委。",
        ),
        outcome: false,
        cases: &[
            case(
                "咨询技改项目补助政策",
                "公司今年投入{m}万元实施设备更新改造，希望了解市级技改补助的申报条件和时间。",
                "已向企业详细解读技改补助政策，企业项目符合申报条件，已指导完成申报。",
            ),
            case(
                "咨询专精特新企业认定条件",
                "公司专注{ind}细分领域多年，希望了解专精特新中小企业的认定条件和扶持政策。",
                "已向企业说明认定标准，并安排专人辅导申报材料，企业已提交专精特新申报。",
            ),
            case(
                "了解小升规奖励政策",
                "公司今年产值预计突破2000万元，希望了解小微企业升规奖励政策。",
                "已告知企业小升规奖励标准和申报时间，企业纳规后可申请奖励{n}万元。",
            ),
        ],
    },
    CategoryDemo {
        code: "0702",
        weight: 5,
        assist: &["econ"],
        other: other(
            "econ",
            "奖补资金的审核由经信部门负责，转经信局核实后拨付。",
            "该笔奖补资金尚在经信部门审核环节，建议改派经信局。",
        ),
        outcome: false,
        cases: &[
            case(
                "去年技改补助资金尚未到账",
                "公司去年申报的技改项目补助{m}万元已公示，但至今未拨付，请帮助了解进度。",
                "经核实，补助资金已纳入本批次拨付计划，已于{n}个工作日内拨付到企业账户。",
            ),
            case(
                "人才奖励资金兑现进度查询",
                "公司引进的高层次人才奖励资金已审核通过{n}个月，至今未到账，请帮助催办。",
                "已协调加快拨付，人才奖励资金已全额拨付到位。",
            ),
        ],
    },
    CategoryDemo {
        code: "0801",
        weight: 4,
        assist: &["natres", "housing"],
        other: other(
            "drc",
            "项目立项备案属发改部门职责，转发改委办理。",
            "该项目尚未完成立项备案，属发改部门职责，建议改派发改委。",
        ),
        outcome: false,
        cases: &[
            case(
                "新建厂房项目审批提速",
                "公司新建厂房项目已完成用地手续，施工许可审批涉及多个部门，希望提供“一件事”集成服务，压缩审批时间。",
                "已安排项目代办员全程代办，各部门并联审批，施工许可证已于{n}个工作日内核发。",
            ),
            case(
                "竣工联合验收预约",
                "公司{ind}新厂房已完工，希望尽快安排规划、消防、人防等竣工联合验收。",
                "已组织联合验收，现场一次性通过，竣工验收备案已完成。",
            ),
        ],
    },
    CategoryDemo {
        code: "0802",
        weight: 3,
        assist: &[],
        other: None,
        outcome: false,
        cases: &[
            case(
                "营业执照经营范围变更",
                "公司新增{ind}研发业务，需变更营业执照经营范围，希望了解是否可以全程网办。",
                "已指导企业通过全程电子化系统办理，营业执照变更已于当日完成。",
            ),
            case(
                "工业产品生产许可证延续",
                "公司生产许可证将于{n}个月后到期，延续申请需现场核查，希望提前安排。",
                "已安排审查组提前开展现场核查，生产许可证延续已办结。",
            ),
            case(
                "商标被抢注，请求指导维权",
                "公司发现有外地企业抢注与我司字号相近的商标，希望得到维权指导。",
                "已指导企业提出商标异议申请，并提供知识产权维权援助服务。",
            ),
        ],
    },
    CategoryDemo {
        code: "0901",
        weight: 3,
        assist: &[],
        other: None,
        outcome: false,
        cases: &[
            case(
                "出口退税进度咨询",
                "公司上月申报出口退税约{m}万元，至今未到账，资金周转压力较大，请帮助加快审核。",
                "税务部门已完成审核，退税款{m}万元已退库到账。",
            ),
            case(
                "发票领用额度不够用",
                "公司业务量增长，现有发票领用额度不能满足开票需要，申请提高额度。",
                "已根据企业经营情况调整发票领用额度，并开通全面数字化电子发票，满足开票需求。",
            ),
        ],
    },
    CategoryDemo {
        code: "0902",
        weight: 3,
        assist: &["finance"],
        other: None,
        outcome: false,
        cases: &[
            case(
                "留抵退税政策咨询",
                "公司有增值税期末留抵税额约{m}万元，希望了解留抵退税的条件和办理流程。",
                "已辅导企业完成留抵退税申请，退税款{m}万元已到账。",
            ),
            case(
                "申请减免房产税和城镇土地使用税",
                "受经营困难影响，公司申请减免今年的房产税和城镇土地使用税。",
                "经审核，企业符合困难减免条件，已减免房产税和城镇土地使用税合计{n}万元。",
            ),
            case(
                "研发费用加计扣除政策咨询",
                "公司今年研发投入约{m}万元，希望了解研发费用加计扣除的归集口径。",
                "已安排税务专员上门辅导研发费用归集，企业可在汇算清缴时享受加计扣除。",
            ),
        ],
    },
    CategoryDemo {
        code: "1001",
        weight: 3,
        assist: &["econ"],
        other: None,
        outcome: false,
        cases: &[
            case(
                "高新技术企业认定申报辅导",
                "公司拥有发明专利{n}项，研发投入占比逐年提高，计划今年申报高新技术企业，希望得到申报辅导。",
                "已将企业纳入高企培育库，安排专家一对一辅导，企业已完成申报。",
            ),
            case(
                "省级科技项目申报咨询",
                "公司在{ind}新材料方面有技术积累，希望申报省级重点研发计划项目，请指导申报。",
                "已向企业解读申报指南，协助对接高校合作单位，项目已通过市级推荐。",
            ),
            case(
                "申请研发费用补助",
                "公司去年研发投入{m}万元，希望了解研发费用补助的申请条件。",
                "企业符合补助条件，已纳入补助名单，补助资金{n}万元将于近期拨付。",
            ),
        ],
    },
    CategoryDemo {
        code: "1002",
        weight: 2,
        assist: &["hrss"],
        other: None,
        outcome: false,
        cases: &[
            case(
                "引进研发人才住房补贴申请",
                "公司新引进{n}名硕士研究生从事研发工作，希望了解人才住房补贴政策。",
                "已告知企业人才住房补贴标准，{n}名人才的补贴申请已审核通过。",
            ),
            case(
                "申请建立博士后工作站",
                "公司与高校有长期合作，希望申请建立博士后工作站。",
                "已指导企业准备申报材料，工作站已通过省级评审。",
            ),
        ],
    },
    CategoryDemo {
        code: "1101",
        weight: 3,
        assist: &["approval"],
        other: None,
        outcome: false,
        cases: &[
            case(
                "扩产项目环评审批",
                "公司{ind}扩产项目已完成环评报告表编制，希望生态环境部门提前介入指导，缩短审批时间。",
                "已安排专人提前介入，环评报告表已于{n}个工作日内批复。",
            ),
            case(
                "环评审批告知承诺制咨询",
                "公司新建项目是否属于环评告知承诺制范围？希望了解办理条件。",
                "已向企业说明告知承诺制适用范围，企业项目符合条件，已当场办结。",
            ),
        ],
    },
    CategoryDemo {
        code: "1102",
        weight: 2,
        assist: &[],
        other: None,
        outcome: false,
        cases: &[
            case(
                "排污许可证变更",
                "公司新增一条生产线，需变更排污许可证，希望了解办理流程和所需材料。",
                "已指导企业在线提交变更申请，排污许可证已变更完成。",
            ),
            case(
                "污水纳管排放申请",
                "公司生产废水预处理后需纳入市政污水管网，希望协调办理纳管手续。",
                "已协调排水管理部门完成纳管审批，企业已接入园区污水管网。",
            ),
        ],
    },
    CategoryDemo {
        code: "1201",
        weight: 2,
        assist: &["econ"],
        other: None,
        outcome: false,
        cases: &[
            case(
                "申请安全生产标准化指导",
                "公司计划创建安全生产标准化三级企业，希望应急管理部门提供指导。",
                "已组织专家上门指导，帮助企业完善安全管理制度{n}项，企业已通过标准化评审。",
            ),
            case(
                "隐患整改后申请复查",
                "上次安全检查发现的{n}项隐患已全部整改完成，申请尽快复查销号。",
                "已安排执法人员现场复查，{n}项隐患全部整改到位，已销号。",
            ),
        ],
    },
    CategoryDemo {
        code: "1202",
        weight: 2,
        assist: &[],
        other: other(
            "housing",
            "建设工程消防验收职责已划转住建部门，转住建局办理。",
            "建设工程消防验收已划转住建部门，建议改派住建局。",
        ),
        outcome: false,
        cases: &[
            case(
                "新建厂房消防验收",
                "公司新建厂房已完工，消防验收申请已提交{n}天尚未安排现场检查，影响投产。",
                "已安排现场消防验收，厂房验收合格，企业已投入使用。",
            ),
            case(
                "消防设施改造政策咨询",
                "公司老厂房消防设施需改造，希望了解改造标准和是否有补助。",
                "已派员现场指导，明确改造标准和分步实施方案。",
            ),
        ],
    },
    CategoryDemo {
        code: "9999",
        weight: 3,
        assist: &["transport"],
        other: other(
            "housing",
            "园区道路和市政设施维护属住建部门职责，转住建局办理。",
            "园区道路和市政设施维护属住建部门职责，建议改派住建局。",
        ),
        outcome: false,
        cases: &[
            case(
                "企业周边道路破损影响通行",
                "{town}工业园区内道路多处破损，重载货车通行困难，雨天积水严重，希望尽快维修。",
                "已协调园区管委会和住建部门完成道路修补，排水设施同步疏通。",
            ),
            case(
                "园区公交线路不便员工通勤",
                "公司位于{town}园区，员工上下班缺少公交线路，希望增设或调整线路。",
                "已协调公交公司在园区增设早晚通勤班线，已于本月开通。",
            ),
            case(
                "企业门口路灯长期不亮",
                "公司门口道路路灯已损坏{n}个月，夜班员工出行存在安全隐患。",
                "已协调市政部门修复路灯{n2}盏，已恢复照明。",
            ),
        ],
    },
];

/// Demands out of scope (不予受理): category, title, description, reason.
const REJECTED: &[(&str, &str, &str, &str)] = &[
    (
        "9999",
        "要求协调追讨客户拖欠货款",
        "公司向外省客户供货，对方拖欠货款{m}万元已逾一年，多次催讨无果，希望政府出面帮助追讨。",
        "属企业间民事合同纠纷，不属于涉企服务受理范围，建议通过诉讼或仲裁途径解决，可联系公共法律服务中心咨询。",
    ),
    (
        "0401",
        "对员工劳动仲裁结果不服",
        "公司与离职员工的劳动争议已作出仲裁裁决，公司认为裁决不公，希望政府帮助改变裁决结果。",
        "该事项已经劳动仲裁，依法不属于本平台受理范围，如不服裁决可在法定期限内向人民法院起诉。",
    ),
    (
        "0301",
        "要求删除征信逾期记录",
        "公司法定代表人个人征信有逾期记录，影响企业贷款，希望政府协调删除。",
        "征信记录依法如实记载，如有异议应向贷款银行或人民银行征信中心提出，本平台不予受理，已告知办理渠道。",
    ),
    (
        "9999",
        "希望政府帮助推销产品",
        "公司{ind}产品库存积压较多，希望政府部门帮助联系采购单位。",
        "属企业自主经营事项，不予受理；已告知企业关注商务部门组织的产销对接活动。",
    ),
    (
        "9999",
        "反映隔壁企业违规搭建",
        "公司隔壁企业在厂区围墙外违规搭建彩钢棚，希望有关部门处理。",
        "属违法建设举报事项，已告知企业通过12345热线或向综合行政执法部门反映，本平台不予受理。",
    ),
];

const WAVE_TITLES: &[&str] = &[
    "物流受限：原料运输车辆无法进入园区，需办理通行证",
    "物流受限：高速卡口管控，原料车辆进不了园区",
    "物流受限：原料运不进、成品发不出，请求协调通行证",
    "物流受限：急需办理重点物资运输车辆通行证",
];
const WAVE_DESCS: &[&str] = &[
    "近日受疫情防控措施影响，外地货车进入{dist}须持通行证，我司原料运输车辆在高速口被劝返，无法进入园区，库存仅能维持{n}天生产，急需办理重点物资运输车辆通行证。",
    "受疫情防控影响，高速卡口对外地货车实行管控，我司{ind}生产原料运不进来、成品发不出去，已有{n2}个订单面临延期交货，请求协调办理通行证。",
    "物流受限，我司原料运输车辆无法进入{town}工业园区，物流公司也暂停发车，生产面临停工，请尽快协调办理通行证并开通绿色通道。",
    "近期疫情防控升级，原料运输车辆无法进入园区，司机需持核酸证明且不清楚通行证办理渠道，我司{ind}生产线仅能维持{n}天，请协助办理通行证。",
];
const WAVE_REPLY: &str =
    "已会同交警、卫健部门开通重点物资运输绿色通道，为企业办理重点物资运输车辆通行证{n2}张，原料车辆已进入园区。";
const WAVE_INTERIM: &str =
    "已将企业纳入重点物资运输保障清单，正在会同交警部门核发通行证，司机核酸检测可在高速口检测点完成。";
/// Districts of the wave (by name; others are used if these are missing).
const WAVE_DISTRICTS: &[&str] = &["缙云县", "丽水经济技术开发区", "莲都区", "青田县"];

const INTERIMS: &[&str] = &[
    "已与企业电话联系，了解具体情况，正在会同相关部门研究解决方案。",
    "已安排专人上门对接，初步方案已形成，正在履行相关程序。",
    "已收到企业材料，正在审核，预计{n}个工作日内正式答复。",
    "已召集相关单位现场会商，明确了责任分工，正在推进。",
];
const CALLBACKS: &[&str] =
    &["已电话回访企业，了解不满意的原因，将重新组织办理。", "已与企业负责人当面沟通，重新制定办理方案。"];
const REDO_SUFFIX: &str = "经重新办理，已当面向企业反馈办理结果。";
const DISPATCH_NOTES: &[&str] = &["", "", "请按时限办理并及时与企业联系。", "企业反映较急，请尽快对接。"];
const ASSIST_NOTE: &str = "请主办部门牵头，协办部门配合。";
const WITHDRAW_REASONS: &[&str] = &[
    "企业已自行解决，申请撤回。",
    "与另一条诉求内容重复，撤回本条。",
    "企业生产计划调整，暂不需要办理。",
    "经政策解释，企业已清楚办理流程，无需继续办理。",
];
const SUSPEND_REASONS: &[&str] = &[
    "等待企业补充提供{doc}。",
    "企业负责人出差，约定返回后现场对接。",
    "需企业先完成内部决策，待企业通知后继续办理。",
];
const ADD_INFO: &[&str] = &["已补充提交{doc}，请查收。", "企业已通过邮件补充{doc}。"];
const EXTENSION_REASONS: &[&str] = &[
    "该事项需报省级部门审批，申请延长办理时限。",
    "需组织多部门现场会商，申请延期办理。",
    "相关工程需施工改造，申请延长办理时限。",
    "涉及资金拨付流程，需等待财政审核，申请延期。",
];
const REFUSE_REASONS: &[&str] = &["该事项可在原时限内办结，请抓紧办理。", "延期理由不充分，请按原时限办结。"];
const URGE_NOTES: &[&str] = &["请加快办理进度，及时与企业沟通并反馈。", "企业多次来电询问，请抓紧办理。"];
const SUPERVISE_NOTES: &[&str] =
    &["该诉求已超期，请于3个工作日内办结并书面报送办理情况。", "请主要负责人亲自过问，限期办结。"];
const COMMENTS_VERY: &[&str] =
    &["办理及时，问题已解决，非常满意！", "服务热情周到，为助企服务点赞。", "部门主动对接，效率很高。"];
const COMMENTS_GOOD: &[&str] = &["问题已解决，感谢。", "答复清楚，问题已落实。", "办理结果满意。", ""];
const COMMENTS_NEUTRAL: &[&str] = &["问题基本解决，希望后续继续跟进。", "办理时间偏长，结果基本认可。"];
const COMMENTS_BAD: &[&str] =
    &["答复仅作了政策解释，实际问题没有解决。", "办理时间过长，问题仍未落实。", "答复内容与诉求不符。"];
const BANKS: &[&str] = &[
    "农业银行丽水分行",
    "工商银行丽水分行",
    "建设银行丽水分行",
    "丽水农商银行",
    "浙江泰隆商业银行丽水分行",
    "浙江稠州商业银行丽水分行",
];
const DOCS: &[&str] = &[
    "项目可行性研究报告",
    "近三年财务报表",
    "车辆行驶证及驾驶员信息",
    "用地红线图",
    "设备清单及用电负荷表",
    "环评报告表修改稿",
];
/// District name prefixes of demo company names (longest first).
const NAME_PREFIXES: &[&str] =
    &["景宁畲族自治县", "丽水市", "龙泉市", "青田县", "缙云县", "遂昌县", "松阳县", "云和县", "庆元县"];

/// The values filled into one demand's texts.
struct Vars {
    ind: String,
    town: String,
    dist: String,
    n: i64,
    n2: i64,
    m: i64,
    p: i64,
    mu: i64,
    kva: i64,
    pct: i64,
    rate: &'static str,
    bank: &'static str,
    doc: &'static str,
}

impl Vars {
    fn new(r: &mut Rng, e: &Ent) -> Self {
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
            bank: r.text(BANKS),
            doc: r.text(DOCS),
        }
    }

    fn fill(&self, t: &str) -> String {
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

// ---------------------------------------------------------------------------
// Who is who
// ---------------------------------------------------------------------------

/// An enterprise as the generator needs it.
#[derive(Debug, Clone)]
struct Ent {
    id: i64,
    district_id: i64,
    district_name: String,
    town: String,
    ind: String,
    officer: Option<i64>,
    /// Its enterprise user (the demo has at most one per enterprise).
    user: Option<i64>,
}

impl Ent {
    fn officer_actor(&self) -> Option<DemandActor> {
        self.officer.map(|o| DemandActor {
            user_id: o,
            role: Role::Officer,
            department_id: None,
            district_id: Some(self.district_id),
            enterprise_id: None,
            serves_enterprise: true,
        })
    }

    fn user_actor(&self) -> Option<DemandActor> {
        self.user.map(|u| DemandActor {
            user_id: u,
            role: Role::EnterpriseUser,
            department_id: None,
            district_id: None,
            enterprise_id: Some(self.id),
            serves_enterprise: false,
        })
    }
}

/// The city as read from the database.
struct Directory {
    ents: Vec<Ent>,
    admin: DemandActor,
    coordinator: DemandActor,
    district_coordinators: HashMap<i64, DemandActor>,
    district_admins: HashMap<i64, DemandActor>,
    handlers: HashMap<i64, DemandActor>,
    heads: HashMap<i64, DemandActor>,
    dept_by_code: HashMap<String, i64>,
    /// (category, district or None) → lead department.
    routes: HashMap<(String, Option<i64>), i64>,
    categories: HashSet<String>,
    limits: HashMap<String, TimeLimits>,
    review: bool,
}

impl Directory {
    fn lead_for(&self, code: &str, district: i64) -> Option<i64> {
        self.routes
            .get(&(code.to_string(), Some(district)))
            .or_else(|| self.routes.get(&(code.to_string(), None)))
            .copied()
    }

    fn dept(&self, code: &str) -> Option<i64> {
        self.dept_by_code.get(code).copied()
    }

    fn limits(&self, code: &str) -> TimeLimits {
        self.limits.get(code).copied().unwrap_or_default()
    }

    /// Categories of [`CATEGORIES`] present and routed.
    fn usable(&self, c: &CategoryDemo) -> bool {
        self.categories.contains(c.code) && self.routes.contains_key(&(c.code.to_string(), None))
    }
}

fn actor_of(u: &users::UserRow) -> Option<DemandActor> {
    Some(DemandActor {
        user_id: u.id,
        role: Role::parse(&u.role)?,
        department_id: u.department_id,
        district_id: u.district_id,
        enterprise_id: u.enterprise_id,
        serves_enterprise: false,
    })
}

/// The industry word of a demo company name: 丽水市瑞华合成革有限公司 → 合成革.
fn industry_of(name: &str) -> String {
    let mut s = name;
    for p in NAME_PREFIXES {
        if let Some(rest) = s.strip_prefix(p) {
            s = rest;
            break;
        }
    }
    let s = s.strip_suffix("有限公司").unwrap_or(s);
    let ind: String = s.chars().skip(2).collect();
    if ind.is_empty() {
        "产品".to_string()
    } else {
        ind
    }
}

// ---------------------------------------------------------------------------
// Scripts
// ---------------------------------------------------------------------------

/// Who performs a step, resolved when it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum W {
    Submitter,
    /// The enterprise side (its user, or its officer on its behalf).
    Rater,
    Coord,
    /// Handler / head of the demand's lead department at that moment.
    Handler,
    Head,
    DistrictAdmin,
    Admin,
    System,
}

#[derive(Debug, Clone)]
enum Op {
    Do(Command),
    /// Merge into the demand of this plan.
    MergeInto(usize),
    /// The sweeper's auto-close, at the instant the rating period ends.
    AutoClose,
}

#[derive(Debug, Clone)]
struct Step {
    /// Working minutes after submission.
    pos: i64,
    who: W,
    op: Op,
}

/// Where a demand's life should end up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    // Closed.
    Simple,
    Interim,
    Assist,
    Transfer,
    Objection,
    Extension,
    ExtensionRefused,
    SuspendResume,
    Redo,
    AutoClose,
    Late,
    LateSupervised,
    // Ended otherwise.
    Withdrawn,
    WithdrawnAfterDispatch,
    Rejected,
    // Open.
    Submitted,
    Objected,
    Dispatched,
    DispatchedLate,
    Transferring,
    HandlingFresh,
    HandlingInterim,
    HandlingYellow,
    HandlingBlue,
    HandlingRed,
    HandlingRedSupervised,
    ExtensionPending,
    ExtensionApproved,
    Redoing,
    TransferredSigned,
    Suspended,
    Replied,
}

impl Kind {
    /// Needs a category with another department (transfer, objection).
    fn needs_other(self) -> bool {
        matches!(self, Kind::Transfer | Kind::Objection | Kind::Objected | Kind::Transferring | Kind::TransferredSigned)
    }
}

/// How many demands of each kind besides [`Kind::Simple`] (which fills the
/// rest), the merged duplicates and the wave.
const MIX: &[(Kind, usize)] = &[
    (Kind::Interim, 58),
    (Kind::Assist, 28),
    (Kind::Transfer, 14),
    (Kind::Objection, 12),
    (Kind::Extension, 18),
    (Kind::ExtensionRefused, 6),
    (Kind::SuspendResume, 14),
    (Kind::Redo, 14),
    (Kind::AutoClose, 18),
    (Kind::Late, 14),
    (Kind::LateSupervised, 5),
    (Kind::Withdrawn, 8),
    (Kind::WithdrawnAfterDispatch, 4),
    (Kind::Rejected, 12),
    (Kind::Submitted, 16),
    (Kind::Objected, 3),
    (Kind::Dispatched, 10),
    (Kind::DispatchedLate, 4),
    (Kind::Transferring, 2),
    (Kind::HandlingFresh, 10),
    (Kind::HandlingInterim, 7),
    (Kind::HandlingYellow, 5),
    (Kind::HandlingBlue, 4),
    (Kind::HandlingRed, 5),
    (Kind::HandlingRedSupervised, 4),
    (Kind::ExtensionPending, 5),
    (Kind::ExtensionApproved, 5),
    (Kind::Redoing, 4),
    (Kind::TransferredSigned, 2),
    (Kind::Suspended, 10),
    (Kind::Replied, 24),
];
/// Duplicates merged into an earlier demand.
const MERGED: usize = 10;

/// The texts and departments one script needs.
struct ScriptIn<'a> {
    lim: TimeLimits,
    review: bool,
    lead: i64,
    /// Assisting departments to add (not the lead).
    assist: Vec<i64>,
    other: Option<(i64, &'a Other)>,
    reply: String,
    outcome: Option<i64>,
    vars: &'a Vars,
    reject_reason: Option<String>,
}

/// Builds a script step by step; positions are working minutes after
/// submission.
struct B<'a, 'r> {
    r: &'r mut Rng,
    x: &'a ScriptIn<'a>,
    steps: Vec<Step>,
    pos: i64,
    /// Position of the first dispatch (the clock from dispatch starts there).
    disp: i64,
}

impl<'a, 'r> B<'a, 'r> {
    fn new(r: &'r mut Rng, x: &'a ScriptIn<'a>) -> Self {
        Self { r, x, steps: Vec::new(), pos: 0, disp: 0 }
    }

    fn close(&self) -> i64 {
        i64::from(self.x.lim.close_days) * WD
    }

    fn interim_limit(&self) -> i64 {
        i64::from(self.x.lim.reply_days) * WD
    }

    fn since(&self) -> i64 {
        self.pos - self.disp
    }

    fn step(&mut self, delay: i64, who: W, cmd: Command) {
        self.pos += delay.max(1);
        self.steps.push(Step { pos: self.pos, who, op: Op::Do(cmd) });
    }

    /// A step at `since` working minutes after the first dispatch (at least
    /// one minute after the previous step).
    fn at_since(&mut self, since: i64, who: W, cmd: Command) {
        let delay = self.disp + since - self.pos;
        self.step(delay, who, cmd);
    }

    fn dispatch_to(&mut self, lead: i64, assisting: Vec<i64>, quick: bool) {
        let note = if assisting.is_empty() { self.r.text(DISPATCH_NOTES) } else { ASSIST_NOTE };
        let delay = if quick { self.r.range(10, 90) } else { self.r.range(10, 420) };
        let first = !self.steps.iter().any(|s| matches!(&s.op, Op::Do(Command::Dispatch { .. })));
        self.step(delay, W::Coord, Command::Dispatch { lead, assisting, note: note.to_string() });
        if first {
            self.disp = self.pos;
        }
    }

    /// Dispatch to the suggested lead department, sometimes with assisting
    /// departments.
    fn dispatch(&mut self) {
        let assisting = if !self.x.assist.is_empty() && self.r.percent(20) {
            self.x.assist.iter().take(1).copied().collect()
        } else {
            Vec::new()
        };
        self.dispatch_to(self.x.lead, assisting, false);
    }

    fn sign(&mut self) {
        let d = self.r.range(10, 400);
        self.step(d, W::Handler, Command::Sign);
    }

    fn sign_quick(&mut self) {
        let d = self.r.range(5, 40);
        self.step(d, W::Handler, Command::Sign);
    }

    fn interim_text(&mut self) -> String {
        let t = self.r.text(INTERIMS);
        self.x.vars.fill(t)
    }

    /// An interim reply within the interim-reply period.
    fn interim(&mut self) {
        let lo = self.since() + 60;
        let hi = (self.interim_limit() - 30).max(lo);
        let at = self.r.range(lo, hi);
        let text = self.interim_text();
        self.at_since(at, W::Handler, Command::InterimReply { text });
    }

    fn add_assist(&mut self) {
        if self.x.assist.is_empty() {
            return;
        }
        let d = self.r.range(30, 300);
        self.step(d, W::Handler, Command::AddAssist { departments: self.x.assist.clone() });
    }

    /// The reply, at `since` working minutes after the first dispatch; then
    /// the coordinator's approval when replies are reviewed.
    fn reply_at(&mut self, since: i64, text: String) {
        self.at_since(since, W::Handler, Command::Reply { text, outcome_count: self.x.outcome });
        if self.x.review {
            let d = self.r.range(20, 240);
            self.step(d, W::Coord, Command::ApproveReply);
        }
    }

    /// A reply before the close deadline `limit` (working minutes after
    /// dispatch).
    fn reply_before(&mut self, limit: i64) {
        let lo = self.since() + 60;
        let hi = (limit - 30).max(lo);
        let at = self.r.range(lo, hi);
        self.reply_at(at, self.x.reply.clone());
    }

    fn reply_on_time(&mut self) {
        let close = self.close();
        self.reply_before(close);
    }

    fn rate(&mut self, rating: Rating) {
        let comment = match rating {
            Rating::VerySatisfied => self.r.text(COMMENTS_VERY),
            Rating::Satisfied => self.r.text(COMMENTS_GOOD),
            Rating::Neutral => self.r.text(COMMENTS_NEUTRAL),
            Rating::Dissatisfied | Rating::VeryDissatisfied => self.r.text(COMMENTS_BAD),
        };
        let hi = (i64::from(self.x.lim.auto_close_days) * WD - 60).min(3 * WD);
        let d = self.r.range(30, hi);
        self.step(d, W::Rater, Command::Rate { rating, comment: comment.to_string() });
    }

    /// A good rating: mostly 非常满意 / 满意, a few 基本满意.
    fn rate_good(&mut self) {
        let rating = match self.r.below(20) {
            0..=10 => Rating::VerySatisfied,
            11..=17 => Rating::Satisfied,
            _ => Rating::Neutral,
        };
        self.rate(rating);
    }

    fn request_extension(&mut self) {
        let close = self.close();
        let lo = (close - 2 * WD).max(self.since() + 60);
        let hi = (close - 60).max(lo);
        let at = self.r.range(lo, hi);
        let days = self.r.range(3, 10) as u32;
        let reason = self.r.text(EXTENSION_REASONS).to_string();
        self.at_since(at, W::Handler, Command::RequestExtension { days, reason });
    }

    fn days_requested(&self) -> i64 {
        self.steps
            .iter()
            .rev()
            .find_map(|s| match &s.op {
                Op::Do(Command::RequestExtension { days, .. }) => Some(i64::from(*days)),
                _ => None,
            })
            .unwrap_or(0)
    }

    fn approve_extension(&mut self) {
        let d = self.r.range(30, 300);
        self.step(d, W::Head, Command::ApproveExtension);
    }

    fn suspend(&mut self) {
        let lo = self.since() + 60;
        let at = self.r.range(lo, lo + WD);
        let reason = self.x.vars.fill(self.r.text(SUSPEND_REASONS));
        self.at_since(at, W::Handler, Command::Suspend { reason });
    }

    fn add_info(&mut self) {
        let d = self.r.range(60, 2 * WD);
        let text = self.x.vars.fill(self.r.text(ADD_INFO));
        self.step(d, W::Rater, Command::AddInfo { text });
    }

    fn urge(&mut self, who: W, since: i64) {
        let note = self.r.text(URGE_NOTES).to_string();
        self.at_since(since, who, Command::Urge { note });
    }

    fn supervise(&mut self, who: W) {
        let d = self.r.range(60, WD);
        let note = self.r.text(SUPERVISE_NOTES).to_string();
        self.step(d, who, Command::Supervise { note, due_days: 3 });
    }

    fn other_dept(&self) -> Option<(i64, &'a Other)> {
        self.x.other
    }

    fn objection_then_redispatch(&mut self) -> Option<()> {
        let (other, o) = self.other_dept()?;
        let d = self.r.range(20, 300);
        self.step(d, W::Handler, Command::Object { reason: format!("本单位非该事项主管部门：{}", o.objection) });
        self.dispatch_to(other, Vec::new(), false);
        Some(())
    }

    fn transfer(&mut self) -> Option<()> {
        let (other, o) = self.other_dept()?;
        let d = self.r.range(30, 300);
        self.step(d, W::Coord, Command::Transfer { lead: other, reason: o.transfer.to_string() });
        Some(())
    }

    /// "Now" this many working minutes after the first dispatch.
    fn now_since(&self, since: i64) -> i64 {
        (self.disp + since).max(self.pos + 5)
    }

    /// "Now" a while after the last step.
    fn now_after(&mut self, lo: i64, hi: i64) -> i64 {
        self.pos + self.r.range(lo.max(5), hi.max(5))
    }
}

/// The steps of a demand of `kind` and, for open demands, where "now" lies
/// (working minutes after submission; `None`: anywhere, the demand ended).
fn script(kind: Kind, r: &mut Rng, x: &ScriptIn<'_>) -> Option<(Vec<Step>, Option<i64>)> {
    let mut b = B::new(r, x);
    let close = b.close();
    let now = match kind {
        Kind::Simple => {
            b.dispatch();
            b.sign();
            b.reply_on_time();
            b.rate_good();
            None
        }
        Kind::Interim => {
            b.dispatch();
            b.sign();
            b.interim();
            b.reply_on_time();
            b.rate_good();
            None
        }
        Kind::Assist => {
            b.dispatch_to(x.lead, Vec::new(), false);
            b.sign();
            b.add_assist();
            b.interim();
            b.reply_on_time();
            b.rate_good();
            None
        }
        Kind::Transfer => {
            b.dispatch_to(x.lead, Vec::new(), false);
            b.transfer()?;
            b.sign();
            b.reply_on_time();
            b.rate_good();
            None
        }
        Kind::Objection => {
            b.dispatch_to(x.lead, Vec::new(), false);
            b.objection_then_redispatch()?;
            b.sign();
            b.interim();
            b.reply_on_time();
            b.rate_good();
            None
        }
        Kind::Extension => {
            b.dispatch();
            b.sign();
            b.interim();
            b.request_extension();
            let days = b.days_requested();
            b.approve_extension();
            b.reply_before(close + days * WD);
            b.rate_good();
            None
        }
        Kind::ExtensionRefused => {
            b.dispatch();
            b.sign();
            b.interim();
            b.request_extension();
            let d = b.r.range(30, 200);
            let reason = b.r.text(REFUSE_REASONS).to_string();
            b.step(d, W::Head, Command::RefuseExtension { reason });
            b.reply_on_time();
            b.rate_good();
            None
        }
        Kind::SuspendResume => {
            b.dispatch();
            b.sign();
            b.suspend();
            b.add_info();
            let d = b.r.range(30, 300);
            b.step(d, W::Handler, Command::Resume);
            let d = b.r.range(WD / 2, 2 * WD);
            let text = x.reply.clone();
            let at = b.since() + d;
            b.reply_at(at, text);
            b.rate_good();
            None
        }
        Kind::Redo => {
            b.dispatch();
            b.sign();
            b.reply_on_time();
            let bad = if b.r.percent(75) { Rating::Dissatisfied } else { Rating::VeryDissatisfied };
            b.rate(bad);
            let d = b.r.range(30, WD - 60);
            let text = b.r.text(CALLBACKS).to_string();
            b.step(d, W::Handler, Command::InterimReply { text });
            let at = b.since() + b.r.range(WD, 3 * WD);
            b.reply_at(at, format!("{}{REDO_SUFFIX}", x.reply));
            let rating = if b.r.percent(70) { Rating::Satisfied } else { Rating::Neutral };
            b.rate(rating);
            None
        }
        Kind::AutoClose => {
            b.dispatch();
            b.sign();
            b.reply_on_time();
            // The sweeper closes it when the rating period has run out.
            let est = b.pos + (i64::from(x.lim.auto_close_days) + 1) * WD + 30;
            b.pos = est;
            b.steps.push(Step { pos: est, who: W::System, op: Op::AutoClose });
            None
        }
        Kind::Late | Kind::LateSupervised => {
            b.dispatch();
            b.sign();
            if b.r.percent(50) {
                b.interim();
            }
            let urger = if b.r.percent(50) { W::DistrictAdmin } else { W::Coord };
            let at = close + WD + b.r.range(0, 90);
            b.urge(urger, at);
            if kind == Kind::LateSupervised {
                let who = if b.r.percent(50) { W::Admin } else { W::DistrictAdmin };
                b.supervise(who);
            }
            let at = b.since() + b.r.range(WD / 2, 3 * WD);
            b.reply_at(at, x.reply.clone());
            let rating = if b.r.percent(60) { Rating::Satisfied } else { Rating::Neutral };
            b.rate(rating);
            None
        }
        Kind::Withdrawn => {
            let d = b.r.range(20, WD);
            let reason = b.r.text(WITHDRAW_REASONS).to_string();
            b.step(d, W::Submitter, Command::Withdraw { reason });
            None
        }
        Kind::WithdrawnAfterDispatch => {
            b.dispatch();
            let d = b.r.range(10, 200);
            let reason = b.r.text(WITHDRAW_REASONS).to_string();
            b.step(d, W::Rater, Command::Withdraw { reason });
            None
        }
        Kind::Rejected => {
            let d = b.r.range(20, 400);
            let reason = x.reject_reason.clone()?;
            b.step(d, W::Coord, Command::Reject { reason });
            None
        }
        Kind::Submitted => Some(b.now_after(5, 400)),
        Kind::Objected => {
            b.dispatch_to(x.lead, Vec::new(), false);
            b.objection_then_redispatch_pending()?;
            Some(b.now_after(5, 200))
        }
        Kind::Dispatched => {
            b.dispatch();
            Some(b.now_after(5, 300))
        }
        Kind::DispatchedLate => {
            b.dispatch();
            let lo = 2 * WD;
            Some(b.now_after(lo, 3 * WD - 60))
        }
        Kind::Transferring => {
            b.dispatch_to(x.lead, Vec::new(), false);
            b.transfer()?;
            Some(b.now_after(5, 300))
        }
        Kind::HandlingFresh => {
            b.dispatch();
            b.sign();
            let hi = (close / 2 - WD).max(60);
            Some(b.now_after(20, hi))
        }
        Kind::HandlingInterim => {
            b.dispatch();
            b.sign();
            b.interim();
            let hi = (close - WD - 30 - b.since()).max(30);
            Some(b.now_after(20, hi))
        }
        Kind::HandlingYellow => {
            b.dispatch_to(x.lead, Vec::new(), true);
            b.sign_quick();
            let at = close - WD - b.r.range(0, 30);
            Some(b.now_since(at))
        }
        Kind::HandlingBlue => {
            b.dispatch_to(x.lead, Vec::new(), true);
            b.sign_quick();
            b.interim();
            let at = close - b.r.range(0, 20);
            Some(b.now_since(at))
        }
        Kind::HandlingRed | Kind::HandlingRedSupervised => {
            b.dispatch();
            b.sign();
            if b.r.percent(50) {
                b.interim();
            }
            if kind == Kind::HandlingRedSupervised {
                let at = close + WD + b.r.range(0, 90);
                b.urge(W::DistrictAdmin, at);
                let who = if b.r.percent(50) { W::Admin } else { W::DistrictAdmin };
                b.supervise(who);
                Some(b.now_after(30, WD))
            } else {
                let at = close + b.r.range(WD + 30, 5 * WD);
                Some(b.now_since(at))
            }
        }
        Kind::ExtensionPending => {
            b.dispatch();
            b.sign();
            b.interim();
            b.request_extension();
            Some(b.now_after(30, WD / 2))
        }
        Kind::ExtensionApproved => {
            b.dispatch();
            b.sign();
            b.interim();
            b.request_extension();
            b.approve_extension();
            Some(b.now_after(WD / 2, 2 * WD))
        }
        Kind::Redoing => {
            b.dispatch();
            b.sign();
            b.reply_on_time();
            b.rate(Rating::Dissatisfied);
            if b.r.percent(50) {
                let d = b.r.range(30, WD - 60);
                let text = b.r.text(CALLBACKS).to_string();
                b.step(d, W::Handler, Command::InterimReply { text });
            }
            Some(b.now_after(30, WD))
        }
        Kind::TransferredSigned => {
            b.dispatch_to(x.lead, Vec::new(), false);
            b.transfer()?;
            b.sign();
            Some(b.now_after(30, WD))
        }
        Kind::Suspended => {
            b.dispatch();
            b.sign();
            if b.r.percent(40) {
                b.interim();
            }
            b.suspend();
            if b.r.percent(50) {
                b.add_info();
            }
            Some(b.now_after(30, 4 * WD))
        }
        Kind::Replied => {
            b.dispatch();
            b.sign();
            if b.r.percent(50) {
                b.interim();
            }
            b.reply_on_time();
            let hi = (i64::from(x.lim.auto_close_days) - 1) * WD;
            Some(b.now_after(30, hi))
        }
    };
    Some((b.steps, now))
}

impl B<'_, '_> {
    /// The lead department objects; the coordinator has not re-dispatched yet.
    fn objection_then_redispatch_pending(&mut self) -> Option<()> {
        let (_, o) = self.other_dept()?;
        let d = self.r.range(20, 300);
        self.step(d, W::Handler, Command::Object { reason: format!("本单位非该事项主管部门：{}", o.objection) });
        Some(())
    }
}

/// The 物流受限 wave's script, fitted into the `avail` working minutes
/// between its submission and now: closed, replied, handling or waiting to
/// be signed for, by how long ago it came in.
fn wave_script(i: usize, r: &mut Rng, x: &ScriptIn<'_>, avail: i64) -> (Vec<Step>, &'static str) {
    // Preferred outcome by age (oldest first), then shorter fallbacks.
    let wanted = match i {
        0..=4 => 0,
        5..=7 => 1,
        8..=9 => 2,
        10 => 3,
        _ => 4,
    };
    for stage in wanted..=4 {
        let mut b = B::new(r, x);
        b.dispatch_to(x.lead, x.assist.clone(), true);
        let label = match stage {
            0 | 1 => {
                b.sign_quick();
                let d = b.r.range(30, 240);
                b.step(d, W::Handler, Command::InterimReply { text: WAVE_INTERIM.to_string() });
                let at = b.since() + b.r.range(WD / 2, WD + WD / 2);
                b.reply_at(at, x.reply.clone());
                if stage == 0 {
                    b.rate_good();
                    "closed"
                } else {
                    "replied"
                }
            }
            2 => {
                b.sign_quick();
                let d = b.r.range(30, 240);
                b.step(d, W::Handler, Command::InterimReply { text: WAVE_INTERIM.to_string() });
                "handling"
            }
            3 => {
                b.sign_quick();
                "handling"
            }
            _ => "dispatched",
        };
        if b.pos + 10 <= avail || stage == 4 {
            return (b.steps, label);
        }
    }
    (Vec::new(), "submitted")
}

// ---------------------------------------------------------------------------
// The plan
// ---------------------------------------------------------------------------

/// One demand to create and drive.
struct Plan {
    ent: usize,
    category: &'static str,
    title: String,
    description: String,
    channel: Channel,
    submitter: DemandActor,
    rater: DemandActor,
    coord: DemandActor,
    urgency: Urgency,
    confidential: bool,
    /// Submission instant.
    start: i64,
    steps: Vec<Step>,
}

/// Plans the demands: pure given the directory, the calendar and now.
fn plan_demands(dir: &Directory, cal: &WorkCalendar, now: i64) -> Result<Vec<Plan>> {
    let mut r = crate::demo_rng::SplitMix64(SEED);
    let cats: Vec<&CategoryDemo> = CATEGORIES.iter().filter(|c| dir.usable(c)).collect();
    if cats.is_empty() {
        return Err(internal("no demand categories to generate demo demands for"));
    }
    let with_officer: Vec<usize> = (0..dir.ents.len()).filter(|&i| dir.ents[i].officer.is_some()).collect();
    let with_user: Vec<usize> = (0..dir.ents.len()).filter(|&i| dir.ents[i].user.is_some()).collect();
    if with_officer.is_empty() {
        return Err(internal("no served enterprises to generate demo demands for"));
    }
    let mut plans: Vec<Plan> = Vec::with_capacity(DEMO_DEMANDS);
    let mut rejected = 0usize;

    // Kinds in a seeded order so that each kind gets varied categories and times.
    let mut kinds: Vec<Kind> = Vec::with_capacity(DEMO_DEMANDS);
    for &(k, n) in MIX {
        kinds.extend(std::iter::repeat_n(k, n));
    }
    let simple = DEMO_DEMANDS.saturating_sub(kinds.len() + MERGED + WAVE_DEMANDS);
    kinds.extend(std::iter::repeat_n(Kind::Simple, simple));
    for i in (1..kinds.len()).rev() {
        let j = r.below(i + 1);
        kinds.swap(i, j);
    }

    for kind in kinds {
        let mut made = None;
        for _attempt in 0..50 {
            // Category, enterprise, submitter.
            let (cat, case_idx, reject) = if kind == Kind::Rejected {
                let (code, ..) = REJECTED[rejected % REJECTED.len()];
                let Some(cat) = cats.iter().find(|c| c.code == code).or_else(|| cats.first()) else { break };
                (*cat, 0, Some(rejected % REJECTED.len()))
            } else {
                let pool: Vec<&CategoryDemo> = cats
                    .iter()
                    .filter(|c| !kind.needs_other() || c.other.as_ref().is_some_and(|o| dir.dept(o.dept).is_some()))
                    .copied()
                    .collect();
                let Some(ci) = r.weighted(&pool, |c| c.weight) else { break };
                let cat = pool[ci];
                (cat, r.below(cat.cases.len()), None)
            };
            let channel = match r.below(100) {
                0..=77 => Channel::Officer,
                78..=93 if !with_user.is_empty() => Channel::EnterpriseCode,
                _ => Channel::Hotline,
            };
            let ent_idx = match channel {
                Channel::EnterpriseCode => with_user[r.below(with_user.len())],
                _ => with_officer[r.below(with_officer.len())],
            };
            let ent = &dir.ents[ent_idx];
            let coord = dir
                .district_coordinators
                .get(&ent.district_id)
                .filter(|_| r.percent(60))
                .cloned()
                .unwrap_or_else(|| dir.coordinator.clone());
            let submitter = match channel {
                Channel::EnterpriseCode => ent.user_actor(),
                Channel::Hotline => Some(coord.clone()),
                _ => ent.officer_actor(),
            };
            let Some(submitter) = submitter else { continue };
            let rater = match (channel, ent.user_actor(), ent.officer_actor()) {
                (Channel::EnterpriseCode, Some(u), _) => u,
                (_, Some(u), _) if r.percent(50) => u,
                (_, _, Some(o)) => o,
                (_, Some(u), None) => u,
                (_, None, None) => continue,
            };
            let Some(lead) = dir.lead_for(cat.code, ent.district_id) else { continue };
            let vars = Vars::new(&mut r, ent);
            let (title, desc, reply, reject_reason) = match reject {
                Some(k) => {
                    let (_, t, d, reason) = REJECTED[k];
                    (t.to_string(), vars.fill(d), String::new(), Some(reason.to_string()))
                }
                None => {
                    let c = &cat.cases[case_idx];
                    (vars.fill(c.title), vars.fill(c.desc), vars.fill(c.reply), None)
                }
            };
            let description = match channel {
                Channel::Officer => match r.below(3) {
                    0 => format!("企业反映：{desc}"),
                    1 => format!("走访中企业负责人反映，{desc}"),
                    _ => desc,
                },
                Channel::Hotline => format!("企业负责人来电反映：{desc}"),
                _ => desc,
            };
            let assist: Vec<i64> = cat.assist.iter().filter_map(|c| dir.dept(c)).filter(|&d| d != lead).collect();
            let other = cat.other.as_ref().and_then(|o| dir.dept(o.dept).filter(|&d| d != lead).map(|d| (d, o)));
            if kind.needs_other() && other.is_none() {
                continue;
            }
            let lim = dir.limits(cat.code);
            let x = ScriptIn {
                lim,
                review: dir.review,
                lead,
                assist,
                other,
                reply,
                outcome: cat.outcome.then_some(vars.n),
                vars: &vars,
                reject_reason,
            };
            let Some((steps, now_at)) = script(kind, &mut r, &x) else { continue };
            let last = steps.last().map_or(0, |s| s.pos);
            let start = match now_at {
                Some(p) => sub_work(cal, now, p),
                None => {
                    let mut found = None;
                    for _ in 0..20 {
                        let back = r.range(HOUR, HISTORY_DAYS * DAY) / MINUTE * MINUTE;
                        let candidate = now - back;
                        let mut s = add_work(cal, candidate, 0);
                        if s != candidate {
                            // Outside working time: any working minute of the next working day.
                            s = add_work(cal, s, r.range(0, WD - 1));
                        }
                        if s < now && add_work(cal, s, last + 10) <= now {
                            found = Some(s);
                            break;
                        }
                    }
                    found.unwrap_or_else(|| sub_work(cal, now, last + r.range(10, 300)))
                }
            };
            let urgent = r.percent(12);
            let confidential = cat.code.starts_with("03") && r.percent(8);
            made = Some(Plan {
                ent: ent_idx,
                category: cat.code,
                title,
                description,
                channel,
                submitter,
                rater,
                coord,
                urgency: if urgent { Urgency::Urgent } else { Urgency::Normal },
                confidential,
                start,
                steps,
            });
            if kind == Kind::Rejected {
                rejected += 1;
            }
            break;
        }
        plans.push(made.ok_or_else(|| internal(format!("could not plan a demo demand of kind {kind:?}")))?);
    }

    plan_merged(&mut r, dir, cal, now, &mut plans)?;
    plan_wave(&mut r, dir, cal, now, &mut plans)?;
    Ok(plans)
}

/// Duplicates: the same enterprise raises the same matter again (often
/// through the other channel) and the coordinator merges it into the first.
fn plan_merged(r: &mut Rng, dir: &Directory, cal: &WorkCalendar, now: i64, plans: &mut Vec<Plan>) -> Result<()> {
    let originals = plans.len();
    let mut made = 0;
    for _ in 0..1000 {
        if made == MERGED {
            return Ok(());
        }
        let oi = r.below(originals);
        let Some(o) = plans.get(oi) else { continue };
        if plans.iter().skip(originals).any(|p| p.steps.iter().any(|s| matches!(s.op, Op::MergeInto(t) if t == oi))) {
            continue;
        }
        let Some(ent) = dir.ents.get(o.ent) else { continue };
        let start = add_work(cal, o.start, r.range(30, 600));
        let merge_at = r.range(20, 300);
        if add_work(cal, start, merge_at + 10) > now {
            continue;
        }
        let (channel, submitter) = match (o.channel, ent.user_actor(), ent.officer_actor()) {
            (Channel::Officer, Some(u), _) => (Channel::EnterpriseCode, u),
            (Channel::EnterpriseCode, _, Some(off)) => (Channel::Officer, off),
            _ => (o.channel, o.submitter.clone()),
        };
        let description = match channel {
            Channel::EnterpriseCode => format!("（企业通过企业码再次反映）{}", strip_channel_prefix(&o.description)),
            _ => format!("（重复反映）{}", o.description),
        };
        let plan = Plan {
            ent: o.ent,
            category: o.category,
            title: o.title.clone(),
            description,
            channel,
            submitter,
            rater: o.rater.clone(),
            coord: o.coord.clone(),
            urgency: o.urgency,
            confidential: o.confidential,
            start,
            steps: vec![Step { pos: merge_at, who: W::Coord, op: Op::MergeInto(oi) }],
        };
        plans.push(plan);
        made += 1;
    }
    if made == MERGED {
        Ok(())
    } else {
        Err(internal("could not plan the merged demo demands"))
    }
}

fn strip_channel_prefix(d: &str) -> &str {
    d.strip_prefix("企业反映：")
        .or_else(|| d.strip_prefix("走访中企业负责人反映，"))
        .or_else(|| d.strip_prefix("企业负责人来电反映："))
        .unwrap_or(d)
}

/// The 物流受限 wave: [`WAVE_DEMANDS`] demands of [`WAVE_CATEGORY`] within
/// one recent week, from different enterprises of four districts, with
/// similar descriptions, routed to transport with police and health
/// assisting.
fn plan_wave(r: &mut Rng, dir: &Directory, cal: &WorkCalendar, now: i64, plans: &mut Vec<Plan>) -> Result<()> {
    let Some(cat) = CATEGORIES.iter().find(|c| c.code == WAVE_CATEGORY && dir.usable(c)) else {
        return Err(internal(format!("category {WAVE_CATEGORY} is missing: cannot plan the 物流受限 wave")));
    };
    // Districts: the named ones, else the first with served enterprises.
    let mut districts: Vec<i64> = Vec::new();
    for name in WAVE_DISTRICTS {
        if let Some(e) = dir.ents.iter().find(|e| e.district_name == *name && e.officer.is_some()) {
            districts.push(e.district_id);
        }
    }
    for e in &dir.ents {
        if districts.len() >= WAVE_DISTRICTS.len() {
            break;
        }
        if e.officer.is_some() && !districts.contains(&e.district_id) {
            districts.push(e.district_id);
        }
    }
    // 11 distinct enterprises, round-robin over the districts; one of them
    // reports twice (a second batch of trucks).
    let mut chosen: Vec<usize> = Vec::new();
    for k in 0..WAVE_DEMANDS - 1 {
        let Some(&d) = districts.get(k % districts.len().max(1)) else { break };
        let pool: Vec<usize> = (0..dir.ents.len())
            .filter(|&i| dir.ents[i].district_id == d && dir.ents[i].officer.is_some() && !chosen.contains(&i))
            .collect();
        if let Some(&i) = r.pick(&pool) {
            chosen.push(i);
        }
    }
    if let Some(&first) = chosen.first() {
        chosen.insert(5.min(chosen.len()), first);
    }
    let today = date_of(now);
    for (i, &ent_idx) in chosen.iter().enumerate() {
        let ent = &dir.ents[ent_idx];
        // Seven days ago for the first, two days ago for the last, at any
        // hour from 08:00 to 20:00 (weekends too: trucks do not wait).
        let days_ago = 7 - (i as i64 * 5) / (WAVE_DEMANDS as i64 - 1);
        let day = today - chrono::Duration::days(days_ago);
        let start = (day_start(day) + 8 * HOUR + r.range(0, 12 * 60) * MINUTE).min(now - 10 * MINUTE);
        let Some(lead) = dir.lead_for(cat.code, ent.district_id) else { continue };
        let vars = Vars::new(r, ent);
        let (channel, submitter) = match (ent.user_actor(), ent.officer_actor()) {
            (Some(u), _) if i % 3 == 0 => (Channel::EnterpriseCode, u),
            (_, Some(o)) => (Channel::Officer, o),
            (Some(u), None) => (Channel::EnterpriseCode, u),
            (None, None) => continue,
        };
        let rater = ent.user_actor().or_else(|| ent.officer_actor()).unwrap_or_else(|| submitter.clone());
        let coord = dir.district_coordinators.get(&ent.district_id).cloned().unwrap_or_else(|| dir.coordinator.clone());
        let assist: Vec<i64> = cat.assist.iter().filter_map(|c| dir.dept(c)).filter(|&d| d != lead).collect();
        let x = ScriptIn {
            lim: dir.limits(cat.code),
            review: dir.review,
            lead,
            assist,
            other: None,
            reply: vars.fill(WAVE_REPLY),
            outcome: Some(vars.n2),
            vars: &vars,
            reject_reason: None,
        };
        let avail = work_between(cal, start, now);
        let (steps, _) = wave_script(i, r, &x, avail);
        let desc = vars.fill(r.text(WAVE_DESCS));
        plans.push(Plan {
            ent: ent_idx,
            category: cat.code,
            title: r.text(WAVE_TITLES).to_string(),
            description: if channel == Channel::Officer { format!("企业反映：{desc}") } else { desc },
            channel,
            submitter,
            rater,
            coord,
            urgency: if r.percent(80) { Urgency::Urgent } else { Urgency::Normal },
            confidential: false,
            start,
            steps,
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Running the plan
// ---------------------------------------------------------------------------

/// Counters of one run.
#[derive(Default)]
struct Tally {
    events: usize,
    escalations: usize,
    truncated: usize,
}

impl App {
    /// Generates the demo city's [`DEMO_DEMANDS`] demands (see the module
    /// documentation), calling `progress(msg)` along the way, then runs the
    /// sweeper once so colours and escalations are current. Needs the demo
    /// city ([`App::build_demo`]); seeds the default dispatch catalogue if
    /// there is none. Refuses with `Conflict` when already done.
    pub async fn build_demo_demands(&self, progress: &(dyn Fn(&str) + Send + Sync)) -> Result<DemoDemandsSummary> {
        let now = self.now_ms();
        {
            let mut c = self.store.read().await?;
            if meta::get(&mut c, DEMANDS_BUILT_KEY).await?.is_some() {
                return Err(AppError::Conflict("演示诉求已生成 (the demo demands already exist)".into()));
            }
            if catalogue::list_categories(&mut c).await?.is_empty() {
                drop(c);
                let mut tx = self.store.begin().await?;
                catalogue::seed_default_catalogue(&mut tx, now).await?;
                tx.commit().await?;
            }
        }
        let cal = self.work_calendar().await?;
        let dir = self.demo_directory(now).await?;
        progress(&format!("诉求 (demands): 规划 {DEMO_DEMANDS} 条 (planning)"));
        let mut plans = plan_demands(&dir, &cal, now)?;
        // Ids in submission order; a duplicate always comes after its original.
        let mut order: Vec<usize> = (0..plans.len()).collect();
        order.sort_by_key(|&i| (plans[i].start, i));
        let mut ids: Vec<Option<i64>> = vec![None; plans.len()];
        let mut tally = Tally::default();
        let mut done = 0;
        for chunk in order.chunks(BATCH) {
            let mut tx = self.store.begin().await?;
            for &pi in chunk {
                let plan = &mut plans[pi];
                let id = self.run_plan(&mut tx, &dir, &cal, now, plan, &ids, &mut tally).await?;
                ids[pi] = Some(id);
                done += 1;
            }
            if done == plans.len() {
                meta::set(&mut tx, DEMANDS_BUILT_KEY, &zhuqi_domain::clock::rfc3339_cst(now)).await?;
            }
            tx.commit().await?;
            progress(&format!("诉求 (demands): {done}/{}", plans.len()));
        }
        progress("督办扫描 (sweeping deadlines)");
        let swept = self.sweep().await?;
        self.demo_read_old_notifications(&dir, &plans, now).await?;

        let mut counts: HashMap<Status, usize> = HashMap::new();
        {
            let mut c = self.store.read().await?;
            for id in ids.iter().flatten() {
                if let Some((json, _)) = store::state(&mut c, *id).await? {
                    let s: DemandState =
                        serde_json::from_str(&json).map_err(|e| internal(format!("demand {id} state: {e}")))?;
                    *counts.entry(s.status).or_default() += 1;
                }
            }
        }
        let by_status: Vec<(Status, usize)> =
            Status::ALL.iter().filter_map(|s| counts.get(s).map(|n| (*s, *n))).collect();
        let truncated = match tally.truncated {
            0 => String::new(),
            n => format!("; {n} truncated"),
        };
        progress(&format!(
            "诉求 (demands): {} 条, {} 个事件 (events), {} 次预警 (warnings); {}{truncated}",
            ids.iter().flatten().count(),
            tally.events + swept.escalated + swept.auto_closed,
            tally.escalations + swept.escalated,
            by_status.iter().map(|(s, n)| format!("{} {n}", s.label_zh())).collect::<Vec<_>>().join(", ")
        ));
        Ok(DemoDemandsSummary {
            demands: ids.iter().flatten().count(),
            events: tally.events + swept.escalated + swept.auto_closed,
            escalations: tally.escalations + swept.escalated,
            truncated: tally.truncated,
            by_status,
            swept,
        })
    }

    /// Reads who is who.
    async fn demo_directory(&self, now: i64) -> Result<Directory> {
        let mut c = self.store.read().await?;
        let all = Page { page: 1, per_page: 100_000 };
        let mut by_role: HashMap<Role, Vec<users::UserRow>> = HashMap::new();
        for role in [
            Role::CityAdmin,
            Role::Coordinator,
            Role::DistrictAdmin,
            Role::DeptHandler,
            Role::DeptHead,
            Role::EnterpriseUser,
        ] {
            by_role.insert(role, users::list(&mut c, Some(role.as_str()), None, all).await?.items);
        }
        let rows = |role: Role| by_role.get(&role).map(Vec::as_slice).unwrap_or_default();
        let first = |role: Role, city_wide: bool| {
            rows(role).iter().filter(|u| !city_wide || u.district_id.is_none()).find_map(actor_of)
        };
        let admin = first(Role::CityAdmin, true).ok_or_else(|| internal("the demo has no city admin"))?;
        let coordinator =
            first(Role::Coordinator, true).ok_or_else(|| internal("the demo has no city-wide coordinator"))?;
        let by_key = |role: Role, key: fn(&users::UserRow) -> Option<i64>| {
            let mut m = HashMap::new();
            for u in rows(role) {
                if let (Some(k), Some(a)) = (key(u), actor_of(u)) {
                    m.entry(k).or_insert(a);
                }
            }
            m
        };
        let district_coordinators = by_key(Role::Coordinator, |u| u.district_id);
        let district_admins = by_key(Role::DistrictAdmin, |u| u.district_id);
        let handlers = by_key(Role::DeptHandler, |u| u.department_id);
        let heads = by_key(Role::DeptHead, |u| u.department_id);
        let ent_users = by_key(Role::EnterpriseUser, |u| u.enterprise_id);

        let ents = enterprises::all(&mut c, Scope::All, &EnterpriseFilter::default())
            .await?
            .into_iter()
            .map(|e| Ent {
                id: e.id,
                district_id: e.district_id,
                ind: industry_of(&e.name),
                town: e.township_name.clone().unwrap_or_else(|| e.district_name.clone()),
                district_name: e.district_name,
                officer: e.officer_id,
                user: ent_users.get(&e.id).map(|a| a.user_id),
            })
            .collect();
        let dept_by_code = departments::list(&mut c).await?.into_iter().map(|d| (d.code, d.id)).collect();
        let routes = catalogue::routes(&mut c)
            .await?
            .into_iter()
            .map(|r| ((r.category_code, r.district_id), r.department_id))
            .collect();
        let categories: HashSet<String> = catalogue::list_categories(&mut c)
            .await?
            .into_iter()
            .filter(|k| k.active != 0 && zhuqi_domain::CategoryCode::is_minor_code(&k.code))
            .map(|k| k.code)
            .collect();
        let mut limits = HashMap::new();
        for code in &categories {
            limits.insert(code.clone(), catalogue::current_time_limits(&mut c, code, now).await?);
        }
        let review = catalogue::review_required(&mut c).await?;
        Ok(Directory {
            ents,
            admin,
            coordinator,
            district_coordinators,
            district_admins,
            handlers,
            heads,
            dept_by_code,
            routes,
            categories,
            limits,
            review,
        })
    }

    /// Inserts one demand and drives it through its script; returns its id.
    #[expect(clippy::too_many_arguments, reason = "one private step of the generator")]
    async fn run_plan(
        &self,
        c: &mut Conn,
        dir: &Directory,
        cal: &WorkCalendar,
        now: i64,
        plan: &mut Plan,
        ids: &[Option<i64>],
        tally: &mut Tally,
    ) -> Result<i64> {
        let ent = dir.ents.get(plan.ent).ok_or_else(|| internal("demo plan refers to a missing enterprise"))?;
        let new = NewDemand {
            enterprise_id: ent.id,
            district_id: ent.district_id,
            category_code: plan.category.to_string(),
            title: plan.title.clone(),
            description: plan.description.clone(),
            channel: plan.channel,
            urgency: plan.urgency,
            confidential: plan.confidential,
        };
        new.validate()?;
        let at = plan.start;
        let search = crate::search::index_text(&format!("{} {}", new.title, new.description));
        let id = store::insert(
            c,
            new.enterprise_id,
            new.district_id,
            plan.submitter.user_id,
            &store::NewDemandRow {
                category_code: new.category_code.clone(),
                title: new.title.clone(),
                description: new.description.clone(),
                search_text: search,
                channel: new.channel.as_str(),
                urgency: new.urgency.as_str(),
                confidential: new.confidential,
                status: Status::Submitted.as_str(),
                submitted_at: at,
                // A placeholder: the state holds the id; persist writes it.
                state_json: "{}".into(),
                version: 0,
            },
        )
        .await?;
        let base =
            DemandState::new_submitted(id, &new, plan.submitter.user_id, at, dir.limits(plan.category), dir.review);
        let event = new.submitted_event(plan.submitter.user_id, at);
        let mut state = base.clone();
        demand::apply(&mut state, &event);
        self.persist(c, &base, &state, std::slice::from_ref(&event), Some(cal), at).await?;
        tally.events += 1;

        let mut last = at;
        for step in std::mem::take(&mut plan.steps) {
            let t = match step.op {
                Op::AutoClose => match state.replied_at {
                    Some(replied) => {
                        let n = WorkingDays::new(i64::from(state.limits.auto_close_days))?;
                        cal.due(from_ms(replied), n).deadline.timestamp_millis() + MINUTE
                    }
                    None => add_work(cal, at, step.pos),
                },
                _ => add_work(cal, at, step.pos),
            };
            if t <= last || t >= now {
                tracing::warn!(demand = id, "demo demand script stops: step at {t} is out of order or in the future");
                tally.truncated += 1;
                break;
            }
            self.demo_ticks(c, cal, &mut state, last, t, tally).await?;
            let cmd = match &step.op {
                Op::Do(cmd) => cmd.clone(),
                Op::AutoClose => Command::AutoClose,
                Op::MergeInto(target) => Command::MergeInto {
                    target: ids
                        .get(*target)
                        .copied()
                        .flatten()
                        .ok_or_else(|| internal("a demo duplicate comes before its original"))?,
                },
            };
            let who = self.demo_who(dir, plan, &state, step.who);
            let Some(who) = who else {
                tracing::warn!(demand = id, "demo demand script stops: nobody to act as {:?}", step.who);
                tally.truncated += 1;
                break;
            };
            let events = match demand::decide(&state, &cmd, &who, t, cal) {
                Ok(ev) => ev,
                Err(e) => {
                    tracing::warn!(demand = id, "demo demand script stops at {}: {e}", cmd.name());
                    tally.truncated += 1;
                    break;
                }
            };
            self.demo_apply(c, cal, &mut state, &events, t, tally).await?;
            last = t;
        }
        self.demo_ticks(c, cal, &mut state, last, now, tally).await?;
        if state.status == Status::Submitted {
            // Waiting in the coordinators' queue: they were told, as on a live submission.
            let to = store::recipients(c, Role::Coordinator.as_str(), None, Some(state.district_id), None).await?;
            store::notify(c, &to, last, "submitted", Some(id), &format!("新诉求待受理：{}", new.title), "").await?;
        }
        Ok(id)
    }

    /// People read their inbox: notifications older than three days are
    /// marked read (two hours after they came), so unread counts show what
    /// is new.
    async fn demo_read_old_notifications(&self, dir: &Directory, plans: &[Plan], now: i64) -> Result<()> {
        let mut people: Vec<i64> = [&dir.admin, &dir.coordinator]
            .into_iter()
            .chain(dir.district_coordinators.values())
            .chain(dir.district_admins.values())
            .chain(dir.handlers.values())
            .chain(dir.heads.values())
            .chain(plans.iter().flat_map(|p| [&p.submitter, &p.rater]))
            .map(|a| a.user_id)
            .collect();
        people.extend(dir.ents.iter().filter_map(|e| e.officer));
        people.sort_unstable();
        people.dedup();
        let mut tx = self.store.begin().await?;
        for user in people {
            let inbox = store::inbox(&mut tx, user, true, Page { page: 1, per_page: 100_000 }).await?;
            for n in inbox.items.iter().filter(|n| n.at < now - 3 * DAY) {
                store::mark_read(&mut tx, user, Some(n.id), (n.at + 2 * HOUR).min(now)).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    fn demo_who(&self, dir: &Directory, plan: &Plan, state: &DemandState, w: W) -> Option<Who> {
        let lead = state.lead_department_id;
        let a = match w {
            W::Submitter => plan.submitter.clone(),
            W::Rater => plan.rater.clone(),
            W::Coord => plan.coord.clone(),
            W::Handler => dir.handlers.get(&lead?)?.clone(),
            W::Head => dir.heads.get(&lead?)?.clone(),
            W::DistrictAdmin => dir.district_admins.get(&state.district_id).unwrap_or(&dir.admin).clone(),
            W::Admin => dir.admin.clone(),
            W::System => return Some(Who::System),
        };
        Some(Who::User(a))
    }

    /// Applies decided events and persists them as a live command would.
    async fn demo_apply(
        &self,
        c: &mut Conn,
        cal: &WorkCalendar,
        state: &mut DemandState,
        events: &[Event],
        at: i64,
        tally: &mut Tally,
    ) -> Result<()> {
        let mut after = state.clone();
        for ev in events {
            demand::apply(&mut after, ev);
        }
        self.persist(c, state, &after, events, Some(cal), at).await?;
        tally.events += events.len();
        *state = after;
        Ok(())
    }

    /// The sweeper as it would have run between `from` and `to`: at each
    /// look, the warnings of the demand's colour that are due and not yet
    /// raised (as [`App::sweep`] does, with the same marks).
    async fn demo_ticks(
        &self,
        c: &mut Conn,
        cal: &WorkCalendar,
        state: &mut DemandState,
        from: i64,
        to: i64,
        tally: &mut Tally,
    ) -> Result<()> {
        if !matches!(state.status, Status::Dispatched | Status::Handling) {
            return Ok(());
        }
        for t in ticks(from, to) {
            let levels: &[Colour] = match demand::colour(state, t, cal) {
                Colour::Red => &[Colour::Blue, Colour::Yellow, Colour::Red],
                Colour::Yellow => &[Colour::Yellow],
                Colour::Blue => &[Colour::Blue],
                Colour::None => continue,
            };
            for level in levels {
                let Some(deadline) = demand::active_deadline(state) else { continue };
                let Ok(events) = demand::decide(state, &Command::Escalate { level: *level }, &Who::System, t, cal)
                else {
                    continue;
                };
                if !store::mark_escalation(c, state.id, level.as_str(), deadline, t).await? {
                    continue;
                }
                self.demo_apply(c, cal, state, &events, t, tally).await?;
                tally.escalations += 1;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AppConfig;
    use chrono::TimeZone;
    use std::sync::{Arc, Mutex};
    use zhuqi_domain::demand::EventKind;
    use zhuqi_domain::FixedClock;
    use zhuqi_store::demands::{DemandFilter, DemandScope};
    use zhuqi_store::Store;

    #[test]
    fn working_time_adds_and_subtracts_consistently() {
        let cal = WorkCalendar::official();
        // Thursday 2026-11-26 10:00 China time.
        let now = chrono::Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap().timestamp_millis();
        for m in [0, 1, 30, 119, 120, 121, 449, 450, 451, 2000, 20_000] {
            let back = sub_work(&cal, now, m);
            assert_eq!(add_work(&cal, back, m), now, "{m} minutes");
            assert_eq!(work_between(&cal, back, now), m, "{m} minutes");
        }
        // One working day back from Monday 09:00 is the previous Friday 09:00.
        let monday = chrono::Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap().timestamp_millis();
        assert_eq!(sub_work(&cal, monday, WD), monday - 3 * DAY);
        // The National Day holiday (2026-10-01..07) has no working time.
        let sept30 = chrono::Utc.with_ymd_and_hms(2026, 9, 30, 9, 29, 0).unwrap().timestamp_millis();
        assert_eq!(date_of(add_work(&cal, sept30, 1)).to_string(), "2026-09-30");
        assert_eq!(date_of(add_work(&cal, sept30, 2)).to_string(), "2026-10-08");
        assert_eq!(industry_of("景宁畲族自治县瑞华惠明茶有限公司"), "惠明茶");
        assert_eq!(industry_of("丽水市金华合成革有限公司"), "合成革");
    }

    async fn built(at: chrono::DateTime<chrono::Utc>) -> (App, std::path::PathBuf, std::time::Duration) {
        let path = std::env::temp_dir().join(format!("zhuqi-demo-demands-{:016x}.db", rand::random::<u64>()));
        let store = Store::open(path.to_str().unwrap()).await.unwrap();
        let app = App::new(store, Arc::new(FixedClock::new(at)), AppConfig::default());
        let stages = Mutex::new(Vec::new());
        let t0 = std::time::Instant::now();
        app.build_demo(&|m: &str| stages.lock().unwrap().push(m.to_string())).await.unwrap();
        let elapsed = t0.elapsed();
        let stages = stages.into_inner().unwrap();
        assert!(stages.iter().any(|s| s.contains(&format!("{DEMO_DEMANDS}/{DEMO_DEMANDS}"))), "{stages:?}");
        assert!(!stages.iter().any(|s| s.contains("truncated")), "{stages:?}");
        eprintln!("{}", stages.last().unwrap());
        (app, path, elapsed)
    }

    async fn cleanup(app: App, path: std::path::PathBuf) {
        app.store.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    #[tokio::test]
    async fn demo_demands_cover_every_state_and_replay() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap();
        let now = at.timestamp_millis();
        let (app, path, elapsed) = built(at).await;
        let mut c = app.store.read().await.unwrap();
        let rows = store::all(&mut c, DemandScope::All { confidential: true }, &DemandFilter::default(), 100_000)
            .await
            .unwrap();
        assert_eq!(rows.len(), DEMO_DEMANDS);

        // Every status (replies are not reviewed in the demo, so none waits for review).
        let statuses: HashMap<&str, usize> = rows.iter().fold(HashMap::new(), |mut m, r| {
            *m.entry(r.status.as_str()).or_default() += 1;
            m
        });
        for s in Status::ALL.iter().filter(|s| **s != Status::UnderReview) {
            assert!(statuses.get(s.as_str()).is_some_and(|n| *n > 0), "no {s:?} demand: {statuses:?}");
        }
        let colours: HashMap<&str, usize> = rows.iter().fold(HashMap::new(), |mut m, r| {
            *m.entry(r.colour.as_str()).or_default() += 1;
            m
        });
        for colour in ["red", "yellow", "blue"] {
            assert!(colours.get(colour).is_some_and(|n| *n > 0), "no {colour} demand: {colours:?}");
        }
        assert!(rows.iter().all(|r| r.submitted_at <= now && r.submitted_at >= now - (HISTORY_DAYS + 1) * DAY));
        let channels: HashSet<&str> = rows.iter().map(|r| r.channel.as_str()).collect();
        assert_eq!(channels.len(), 3, "{channels:?}");

        // Every timeline replays to the stored projection; events = Σ versions.
        let mut events_total = 0i64;
        let mut versions_total = 0i64;
        let mut kinds: HashSet<String> = HashSet::new();
        let mut supervised_open = 0;
        for r in &rows {
            let (json, version) = store::state(&mut c, r.id).await.unwrap().unwrap();
            let stored: DemandState = serde_json::from_str(&json).unwrap();
            let events = store::events(&mut c, r.id).await.unwrap();
            events_total += events.len() as i64;
            versions_total += version;
            assert_eq!(stored.version, version);
            let new = NewDemand {
                enterprise_id: r.enterprise_id,
                district_id: r.district_id,
                category_code: r.category_code.clone(),
                title: r.title.clone(),
                description: r.description.clone(),
                channel: Channel::parse(&r.channel).unwrap(),
                urgency: Urgency::parse(&r.urgency).unwrap(),
                confidential: r.confidential != 0,
            };
            let mut replay = DemandState::new_submitted(
                r.id,
                &new,
                r.submitted_by,
                r.submitted_at,
                stored.limits,
                stored.review_required,
            );
            let mut at = i64::MIN;
            for (i, e) in events.iter().enumerate() {
                assert_eq!(e.seq, i as i64 + 1, "demand {}", r.id);
                assert!(e.at >= at && e.at <= now, "demand {}: events out of order", r.id);
                at = e.at;
                let kind: EventKind = serde_json::from_str(&e.payload).unwrap();
                kinds.insert(kind.name().to_string());
                if matches!(kind, EventKind::Supervised { .. }) && Status::parse(&r.status).unwrap().is_open() {
                    supervised_open += 1;
                }
                demand::apply(&mut replay, &Event { at: e.at, actor_id: e.actor_id, kind });
            }
            assert_eq!(replay, stored, "demand {} does not replay", r.id);
            assert_eq!(r.status, stored.status.as_str());
        }
        assert_eq!(events_total, versions_total);
        for k in [
            "objected",
            "transferred",
            "assist_added",
            "interim_replied",
            "reopened",
            "extension_requested",
            "extension_approved",
            "extension_refused",
            "suspended",
            "resumed",
            "info_added",
            "urged",
            "supervised",
            "merged",
            "escalated",
        ] {
            assert!(kinds.contains(k), "no {k} event on any timeline");
        }
        assert!(supervised_open >= 1, "no open demand under supervision");
        let auto_closed = rows.iter().filter(|r| r.status == "closed" && r.rating.is_none()).count();
        assert!(auto_closed >= 5, "{auto_closed} auto-closed");
        let redone = rows.iter().filter(|r| r.status == "closed" && r.redo_count > 0).count();
        assert!(redone >= 5, "{redone} redone and closed");

        // The 物流受限 wave: ≥ 8 enterprises of ≥ 3 districts within 7 days.
        let mut wave: Vec<_> = rows.iter().filter(|r| r.category_code == WAVE_CATEGORY).collect();
        wave.sort_by_key(|r| r.submitted_at);
        let best = wave
            .iter()
            .map(|first| {
                let week: Vec<_> = wave
                    .iter()
                    .filter(|r| r.submitted_at >= first.submitted_at && r.submitted_at < first.submitted_at + 7 * DAY)
                    .collect();
                let ents: HashSet<i64> = week.iter().map(|r| r.enterprise_id).collect();
                let districts: HashSet<i64> = week.iter().map(|r| r.district_id).collect();
                (week.len(), ents.len(), districts.len())
            })
            .max()
            .unwrap();
        assert!(best.0 >= WAVE_DEMANDS && best.1 >= 8 && best.2 >= 3, "wave {best:?}");

        // Old notifications are read, new ones not.
        let handler = users::by_username(&mut c, "handler-transport").await.unwrap().unwrap();
        let unread = store::unread(&mut c, handler.id).await.unwrap();
        let total = store::inbox(&mut c, handler.id, false, Page::default()).await.unwrap().total;
        assert!(unread > 0 && unread < total, "{unread} of {total} unread");
        drop(c);

        // The sweep already ran: running it again changes nothing.
        let again = app.sweep().await.unwrap();
        assert_eq!((again.escalated, again.auto_closed), (0, 0));
        assert!(matches!(app.build_demo_demands(&|_: &str| {}).await, Err(AppError::Conflict(_))));
        eprintln!(
            "demo city with {DEMO_DEMANDS} demands built in {:.1}s; {statuses:?}; {colours:?}",
            elapsed.as_secs_f64()
        );
        cleanup(app, path).await;
    }

    /// Whenever the demo is built — right after a long holiday, or in a year
    /// without official calendar data — every script runs to its end.
    #[tokio::test]
    async fn demo_demands_look_right_whenever_built() {
        for at in [
            chrono::Utc.with_ymd_and_hms(2026, 10, 9, 1, 0, 0).unwrap(),
            chrono::Utc.with_ymd_and_hms(2027, 2, 15, 12, 0, 0).unwrap(),
        ] {
            let (app, path, _) = built(at).await;
            let mut c = app.store.read().await.unwrap();
            let rows = store::all(&mut c, DemandScope::All { confidential: true }, &DemandFilter::default(), 100_000)
                .await
                .unwrap();
            assert_eq!(rows.len(), DEMO_DEMANDS, "{at}");
            let statuses: HashSet<&str> = rows.iter().map(|r| r.status.as_str()).collect();
            assert_eq!(statuses.len(), Status::ALL.len() - 1, "{at}: {statuses:?}");
            assert!(rows.iter().any(|r| r.colour == "red"), "{at}");
            drop(c);
            cleanup(app, path).await;
        }
    }
}
