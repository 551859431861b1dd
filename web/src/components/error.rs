//! How an [`ApiError`] is shown: a translated line for its code, with the server's detail.

use leptos::prelude::*;
use shared::{ApiError, ErrorCode};

use crate::i18n::{I18n, Locale, use_i18n};

/// The translated summary of an error code.
pub fn summary(i18n: I18n, code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::Unreachable => i18n.t(
            "无法连接服务器，请检查网络后重试",
            "Cannot reach the server; check the network and retry",
        ),
        ErrorCode::DatabaseUnavailable => i18n.t(
            "数据库暂时不可用，请稍后重试",
            "The database is unavailable; retry shortly",
        ),
        ErrorCode::ServiceUnavailable => i18n.t(
            "服务器暂不支持此功能，请联系管理员",
            "The server cannot do this yet; contact the administrator",
        ),
        ErrorCode::NotFound | ErrorCode::RouteNotFound => i18n.t("未找到", "Not found"),
        ErrorCode::Unauthenticated => i18n.t("请先登录", "Please sign in"),
        ErrorCode::Forbidden => i18n.t("没有权限", "Not allowed"),
        ErrorCode::RateLimited => {
            i18n.t("操作太频繁，请稍后再试", "Too many attempts; wait a moment")
        }
        ErrorCode::ValidationFailed
        | ErrorCode::InvalidQuery
        | ErrorCode::InvalidPath
        | ErrorCode::MalformedJson => i18n.t("输入有误", "Invalid input"),
        ErrorCode::Conflict => i18n.t("与现有数据冲突", "Conflicts with existing data"),
        ErrorCode::InvalidCredentials => i18n.t("账号或密码错误", "Wrong account name or password"),
        ErrorCode::AccountDisabled => i18n.t("账号已停用", "The account is deactivated"),
        ErrorCode::TokenExpired
        | ErrorCode::SessionEnded
        | ErrorCode::InvalidToken
        | ErrorCode::RefreshTokenReused => i18n.t(
            "登录已失效，请重新登录",
            "Your session has ended; sign in again",
        ),
        ErrorCode::PasswordChangeRequired => i18n.t("请先修改密码", "Change your password first"),
        ErrorCode::InvalidFile => i18n.t("文件无法读取", "The file cannot be read"),
        ErrorCode::PayloadTooLarge => i18n.t("文件太大", "The file is too large"),
        ErrorCode::RequestTimeout => i18n.t("上传超时，请检查网络后重试", "The upload timed out; check the network and retry"),
        ErrorCode::GradeLimitExceeded => i18n.t(
            "超出学校规定的等次比例",
            "More than the school's standard allows for this grade",
        ),
        ErrorCode::DeviceChangeLimit => i18n.t(
            "本学期更换签到手机的次数已用完，请联系活动组织者或学院团委",
            "This term's phone changes are used up; ask the organiser or your college's league committee",
        ),
        ErrorCode::CheckinModeOff => i18n.t(
            "本活动未开启这种签到方式",
            "This activity does not take this way of checking in",
        ),
        ErrorCode::SignupBlocked => i18n.t(
            "本学期报名未到次数已达学校规定，暂时不能报名先到先得的活动",
            "Your no-shows this term have reached the school's limit: first-come sign-up is closed to you for now",
        ),
        ErrorCode::AlreadyReminded => i18n.t(
            "今天已经提醒过这名学生，明天再试",
            "You already reminded this student today; try tomorrow",
        ),
        _ => i18n.t(
            "服务器出错了，请稍后重试",
            "Something went wrong on the server; retry shortly",
        ),
    }
}

/// The message of an error in the current locale: the rule messages of `shared` and the
/// server's field errors are translated; anything else falls back to the code's summary.
pub fn message(i18n: I18n, error: &ApiError) -> String {
    if let Some(seconds) = crate::api::retry_after(error) {
        return match i18n.locale() {
            Locale::Zh => format!("尝试次数过多，请 {}后再试", wait_zh(seconds)),
            Locale::En => format!("Too many attempts; try again in {}", wait_en(seconds)),
        };
    }
    if let Some(text) = translate(i18n, &error.message) {
        return text;
    }
    match i18n.locale() {
        Locale::Zh => summary(i18n, error.code).to_owned(),
        Locale::En => error.message.clone(),
    }
}

/// A rule or server message in the current locale, when it is one the app knows.
pub fn translate(i18n: I18n, message: &str) -> Option<String> {
    let known = match message {
        "wrong account name or password" => {
            Some(("账号或密码错误", "Wrong account name or password"))
        }
        "the current password is wrong" => {
            Some(("当前密码不正确", "The current password is wrong"))
        }
        "the new password must differ from the current one" => Some((
            "新密码不能与当前密码相同",
            "The new password must differ from the current one",
        )),
        "the password needs at least one letter and one digit" => Some((
            "密码至少包含一个字母和一个数字",
            "The password needs at least one letter and one digit",
        )),
        "the password must differ from the account name" => Some((
            "密码不能与账号名相同",
            "The password must differ from the account name",
        )),
        "use 3–64 letters, digits or _ . @ -" => Some((
            "账号名为 3–64 位字母、数字或 _ . @ -",
            "Use 3–64 letters, digits or _ . @ -",
        )),
        "a name has 1 to 100 characters" => {
            Some(("名称需为 1–100 个字符", "A name has 1 to 100 characters"))
        }
        "use 2–32 lowercase letters, digits, _ or -" => Some((
            "代码为 2–32 位小写字母、数字、_ 或 -",
            "Use 2–32 lowercase letters, digits, _ or -",
        )),
        "a mobile number has 11 digits and starts with 13–19" => Some((
            "手机号为 11 位数字，以 13–19 开头",
            "A mobile number has 11 digits and starts with 13–19",
        )),
        "the account name is taken" => Some(("该账号名已被使用", "The account name is taken")),
        "the code is taken" => Some(("该代码已被使用", "The code is taken")),
        "this account has been deactivated" => {
            Some(("该账号已停用", "This account has been deactivated"))
        }
        "enter your account name" => Some(("请输入账号", "Enter your account name")),
        "enter your password" => Some(("请输入密码", "Enter your password")),
        "the organisation is deactivated" => {
            Some(("该组织已停用", "The organisation is deactivated"))
        }
        _ => None,
    };
    let known = known.or_else(|| {
        if message.starts_with("the password must have ") {
            Some((
                "密码需为 8–128 个字符",
                "The password must have 8 to 128 characters",
            ))
        } else if message.starts_with("you cannot grant") {
            Some((
                "不能授予你自己没有的权限",
                "You cannot grant a permission you do not hold",
            ))
        } else if message.starts_with("the enrolment year must be") {
            Some((
                "入学年份须在 1990–2100 之间",
                "The enrolment year must be between 1990 and 2100",
            ))
        } else if message.starts_with("use 本科生") {
            Some((
                "请填写“本科生”或“研究生”",
                "Use 本科生 (undergraduate) or 研究生 (graduate)",
            ))
        } else {
            None
        }
    });
    if let Some((zh, en)) = known {
        return Some(i18n.t(zh, en).to_owned());
    }
    if let Some(text) = activity_message(i18n, message) {
        return Some(text);
    }
    // "must have 1 to 50 characters"
    let limit = message
        .strip_prefix("must have 1 to ")
        .and_then(|rest| rest.strip_suffix(" characters"))?;
    Some(match i18n.locale() {
        Locale::Zh => format!("须为 1–{limit} 个字符"),
        Locale::En => format!("Must have 1 to {limit} characters"),
    })
}

fn wait_zh(seconds: u64) -> String {
    if seconds >= 60 {
        format!("{} 分钟", seconds.div_ceil(60))
    } else {
        format!("{seconds} 秒")
    }
}

fn wait_en(seconds: u64) -> String {
    if seconds >= 60 {
        format!("{} min", seconds.div_ceil(60))
    } else {
        format!("{seconds} s")
    }
}

/// The message of `error` when it concerns `field` (server errors shown next to their field).
pub fn for_field(i18n: I18n, error: Option<&ApiError>, field: &str) -> Option<String> {
    error
        .filter(|e| e.field.as_deref() == Some(field))
        .map(|e| message(i18n, e))
}

/// A block showing an error, with a retry button when `retry` is given.
#[component]
pub fn ErrorNotice(
    error: ApiError,
    #[prop(optional, into)] retry: Option<Callback<()>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let code = error.code;
    view! {
        <div class="notice notice-error" role="alert" data-code=code.as_str()>
            <p class="notice-title">{move || summary(i18n, code)}</p>
            <p class="notice-detail">{error.message.clone()}</p>
            {retry.map(|retry| view! {
                <button class="btn" on:click=move |_| retry.run(())>{move || i18n.t("重试", "Retry")}</button>
            })}
        </div>
    }
}

/// The rule messages of `shared::activity` and the activity endpoints, in the current locale.
fn activity_message(i18n: I18n, message: &str) -> Option<String> {
    let fixed = match message {
        "a title has 1 to 100 characters" => Some("标题需为 1–100 个字符"),
        "a place has 1 to 100 characters" => Some("地点需为 1–100 个字符"),
        "the end must come after the start" => Some("结束时间须晚于开始时间"),
        "registration must close after it opens" => Some("报名截止须晚于报名开始"),
        "registration must close by the end of the activity" => Some("报名须在活动结束前截止"),
        "at least one place, or no limit" => Some("名额至少为 1，或不限名额"),
        "at most 100000 places" => Some("名额最多 100000"),
        "a lottery needs a number of places" => Some("抽签报名需要设定名额"),
        "at most 20 instructors" => Some("最多 20 位指导老师"),
        "use 1–32 lowercase letters, digits or _" => Some("字段标识为 1–32 位小写字母、数字或 _"),
        "a label has 1 to 60 characters" => Some("问题名称需为 1–60 个字符"),
        "give 1 to 50 choices" => Some("请给出 1–50 个选项"),
        "each choice has 1 to 60 characters" => Some("每个选项需为 1–60 个字符"),
        "only choice fields have options" => Some("只有选择题才有选项"),
        "min must not exceed max" => Some("最小值不能大于最大值"),
        "no such question" => Some("没有这个问题"),
        "enter a date and time" => Some("请填写日期和时间"),
        "choose the organiser" => Some("请选择主办组织"),
        "expected text" => Some("请填写文字"),
        "choose one of the options" => Some("请选择一个选项"),
        "expected a list of choices" => Some("请选择选项"),
        "expected a number" => Some("请输入数字"),
        "expected an e-mail address" => Some("请输入有效的邮箱地址"),
        "expected a date as YYYY-MM-DD" => Some("请选择日期"),
        "say why the activity is rejected" => Some("请填写驳回原因"),
        "say why, in at most 500 characters" => Some("请填写原因（最多 500 个字符）"),
        _ => None,
    };
    let zh = fixed.map(str::to_owned).or_else(|| {
        if let Some(label) = message
            .strip_prefix("「")
            .and_then(|rest| rest.strip_suffix("」is required"))
        {
            Some(format!("请填写「{label}」"))
        } else if let Some(rest) = message.strip_prefix("must be between ") {
            let (min, max) = rest.split_once(" and ")?;
            Some(format!("须在 {min} 到 {max} 之间"))
        } else if let Some(min) = message.strip_prefix("must be at least ") {
            Some(format!("不能小于 {min}"))
        } else if let Some(max) = message.strip_prefix("must be at most ") {
            Some(format!("不能大于 {max}"))
        } else if let Some(n) = message
            .strip_prefix("at most ")
            .and_then(|rest| rest.strip_suffix(" characters"))
        {
            Some(format!("最多 {n} 个字符"))
        } else if let Some(n) = message
            .strip_prefix("at most ")
            .and_then(|rest| rest.strip_suffix(" fields"))
        {
            Some(format!("最多 {n} 个问题"))
        } else if message.starts_with("the key `") {
            Some("字段标识重复".to_owned())
        } else if message.ends_with("is not one of the options") {
            Some("请从选项中选择".to_owned())
        } else if message.starts_with("no such active category") {
            Some("请选择活动类别".to_owned())
        } else if message.ends_with("credit") && message.contains("cannot claim") {
            Some("认定级别不能低于主办组织的级别".to_owned())
        } else if message.ends_with("is not an active staff account") {
            Some("指导老师须为在职教职工账号".to_owned())
        } else if message.ends_with("is not a college") {
            Some("只能选择学院".to_owned())
        } else {
            None
        }
    })?;
    Some(match i18n.locale() {
        Locale::Zh => zh,
        Locale::En => {
            let mut chars = message.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
                .unwrap_or_default()
        }
    })
}
