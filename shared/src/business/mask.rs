//! Masking of personal data. Every personal value leaves the business agent masked, under a
//! `<field>_masked` name; [`scrub`] is the last line of defence over free text.

use regex::Regex;
use std::sync::LazyLock;

const STARS: &str = "****";

fn stars(n: usize) -> String {
    "*".repeat(n)
}

/// `13812341234` → `138****1234`. Separators and a `+86` prefix are dropped first; anything
/// shorter than 7 digits keeps only its last 2.
pub fn phone(raw: &str) -> String {
    let mut digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 13 && digits.starts_with("86") && raw.trim_start().starts_with('+') {
        digits.drain(..2);
    }
    let n = digits.len();
    match n {
        0 => String::new(),
        1..=6 => format!("{}{}", stars(n.saturating_sub(2)), &digits[n.saturating_sub(2)..]),
        _ => format!("{}{}{}", &digits[..3], stars(n - 7), &digits[n - 4..]),
    }
}

/// `alice@example.com` → `a***@example.com`.
pub fn email(raw: &str) -> String {
    let raw = raw.trim();
    match raw.rsplit_once('@') {
        Some((local, domain)) if !domain.is_empty() => match local.chars().next() {
            Some(first) => format!("{first}***@{domain}"),
            None => format!("***@{domain}"),
        },
        _ if raw.is_empty() => String::new(),
        _ => "***".to_string(),
    }
}

/// The first 3 and last 4 characters: `110101199001011234` → `110***********1234`.
pub fn national_id(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let n = chars.len();
    if n == 0 {
        return String::new();
    }
    if n < 8 {
        return stars(n);
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[n - 4..].iter().collect();
    format!("{head}{}{tail}", stars(n - 7))
}

/// Only the last 4 digits: `6222021234567891234` → `**** **** **** 1234`. The issuer prefix is
/// hidden too, since with the last four it narrows the card down.
pub fn bank_card(raw: &str) -> String {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    match digits.len() {
        0 => String::new(),
        n if n < 8 => stars(n),
        n => format!("**** **** **** {}", &digits[n - 4..]),
    }
}

/// A Chinese name keeps its surname (`张三丰` → `张**`); a Latin one its initials (`Alice
/// Smith` → `A*** S***`).
pub fn name(raw: &str) -> String {
    let raw = raw.trim();
    if raw.is_empty() {
        return String::new();
    }
    if raw.chars().any(is_cjk) {
        let mut chars = raw.chars().filter(|c| !c.is_whitespace());
        let first = chars.next().map(String::from).unwrap_or_default();
        return format!("{first}{}", stars(chars.count().max(1)));
    }
    raw.split_whitespace()
        .map(|word| format!("{}***", word.chars().next().unwrap_or('*')))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Invoice tax ids (a company's unified social credit code, or a person's id number on a
/// personal invoice): the first 4 and last 4.
pub fn tax_id(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let n = chars.len();
    if n == 0 {
        return String::new();
    }
    if n < 10 {
        return stars(n);
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[n - 4..].iter().collect();
    format!("{head}{}{tail}", stars(n - 8))
}

pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Province, city and district of a Chinese address, in that order, each at most once.
static CN_LOCALITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[^省市区县\d]{1,10}?(?:省|自治区|特别行政区))?(?:[^省市区县\d]{1,10}?(?:市|自治州|地区|盟))?(?:[^省市区县\d]{1,10}?(?:区|县|旗|市))?",
    )
    .expect("locality pattern is valid")
});

/// Words that mark the street part of a Latin-script address.
static STREET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\d|#|\b(?:road|rd|street|st|avenue|ave|lane|ln|boulevard|blvd|drive|dr|way|alley|hutong|lu|jie|room|rm|apt|apartment|unit|suite|floor|fl|building|bldg|block|tower|no)\b",
    )
    .expect("street pattern is valid")
});

/// Province-level divisions and large cities: a Chinese address keeps its locality only from
/// one of these on, so whatever stands before it (a name, a phone number) is never taken for a
/// province or a city.
const CN_PLACES: &[&str] = &[
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建",
    "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海",
    "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门", "深圳", "广州", "杭州", "南京", "苏州",
    "成都", "武汉", "西安", "长沙", "郑州", "青岛", "厦门", "宁波", "大连", "沈阳", "济南", "合肥", "福州",
    "昆明", "无锡", "东莞", "佛山", "哈尔滨", "长春", "石家庄", "南昌", "南宁", "贵阳", "太原", "兰州",
    "乌鲁木齐", "呼和浩特", "珠海", "温州", "常州", "徐州", "烟台", "泉州", "惠州", "中山",
];

/// Words that name a locality in a Latin-script address part.
static LOCALITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:district|city|province|county|state|prefecture|region|municipality|borough|town|township|village|new area|shi|qu|sheng|xian)\b",
    )
    .expect("locality pattern is valid")
});

/// City and district stay, the street, the number and anything else go:
/// `北京市朝阳区建国路88号` → `北京市朝阳区****`, `88 Jianguo Road, Chaoyang District, Beijing` →
/// `****, Chaoyang District, Beijing`. What stays is a known place (Chinese) or a part that names
/// a locality ("… District") or is one of the last two, one-word parts (city, country): a name, a phone
/// number or an email written into the address is masked with the street.
pub fn address(raw: &str) -> String {
    let raw = raw.trim();
    if raw.is_empty() {
        return String::new();
    }
    if raw.chars().any(is_cjk) {
        let start = CN_PLACES.iter().filter_map(|p| raw.find(p)).min();
        let locality = start.and_then(|at| CN_LOCALITY.find(&raw[at..])).map(|m| m.as_str()).unwrap_or("");
        return format!("{locality}{STARS}");
    }
    let parts: Vec<&str> = raw.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    let last = parts.len().saturating_sub(1);
    let mut kept: Vec<String> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let plain = part.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.'));
        let place = plain
            && !STREET.is_match(part)
            && (LOCALITY.is_match(part) || (i + 1 >= last && i > 0 && part.split_whitespace().count() == 1));
        if place {
            kept.push(part.to_string());
        } else if kept.last().map(String::as_str) != Some(STARS) {
            kept.push(STARS.to_string());
        }
    }
    if kept.iter().all(|p| p == STARS) {
        return STARS.to_string();
    }
    kept.join(", ")
}

/// Word boundaries in ASCII: in Unicode mode `\b` finds no boundary between `电话` and
/// `13812341234`, Chinese characters being word characters, and the number would slip through.
fn ascii_bounded(pattern: &str) -> Regex {
    Regex::new(&pattern.replace(r"\b", r"(?-u:\b)")).expect("scrub patterns are valid")
}

static CARD_OR_ID: LazyLock<Regex> = LazyLock::new(|| {
    // 18-character id numbers, and 15–19 digit card numbers (optionally grouped by spaces or
    // dashes). Shorter digit runs (dates, amounts, 12-digit tracking numbers) are left alone.
    ascii_bounded(r"\b(?:\d{17}[\dXx]|\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?|\d{15,19})\b")
});
/// Mobile numbers (`138 1234 1234`, `+86 13812341234`) and landlines with their area code
/// (`010-62345678`, `0755 1234567`).
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    ascii_bounded(r"(?:\+\d{1,3}[ -]?)?\b1[3-9]\d[ -]?\d{4}[ -]?\d{4}\b|\b0\d{2,3}[ -]?\d{7,8}\b")
});
static EMAIL: LazyLock<Regex> = LazyLock::new(|| ascii_bounded(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"));

/// Mask anything in free text that looks like a card or id number, a mobile number or an
/// email address. Order ids (`ORD-001`) and tracking numbers (`SF1234567890`) are left alone.
pub fn scrub(text: &str) -> String {
    let text = CARD_OR_ID.replace_all(text, |c: &regex::Captures| {
        let m = &c[0];
        // 18 characters without separators: an id number (possibly ending in X); else a card.
        if m.len() == 18 && m.chars().all(|c| c.is_ascii_alphanumeric()) {
            national_id(m)
        } else {
            bank_card(m)
        }
    });
    let text = PHONE.replace_all(&text, |c: &regex::Captures| phone(&c[0]));
    EMAIL.replace_all(&text, |c: &regex::Captures| email(&c[0])).into_owned()
}

/// [`scrub`], except for `keep`: values known not to be personal (a tracking number that happens
/// to be all digits) stay as they are.
pub fn scrub_keeping(text: &str, keep: &[String]) -> String {
    let keep: Vec<&str> = keep.iter().map(String::as_str).filter(|k| !k.is_empty() && text.contains(k)).collect();
    let Some((at, kept)) = keep.iter().filter_map(|k| text.find(k).map(|at| (at, *k))).min_by_key(|(at, _)| *at) else {
        return scrub(text);
    };
    let rest: Vec<String> = keep.iter().map(|k| k.to_string()).collect();
    format!("{}{kept}{}", scrub(&text[..at]), scrub_keeping(&text[at + kept.len()..], &rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_keep_the_first_three_and_last_four_digits() {
        assert_eq!(phone("13812341234"), "138****1234");
        assert_eq!(phone("138-1234-1234"), "138****1234");
        assert_eq!(phone("+86 138 1234 1234"), "138****1234");
        assert_eq!(phone("021-62345678"), "021****5678");
        assert_eq!(phone("12345"), "***45");
        assert_eq!(phone(""), "");
    }

    #[test]
    fn emails_keep_the_first_letter_and_the_domain() {
        assert_eq!(email("alice@example.com"), "a***@example.com");
        assert_eq!(email("@example.com"), "***@example.com");
        assert_eq!(email("not-an-email"), "***");
        assert_eq!(email(""), "");
    }

    #[test]
    fn national_ids_keep_the_first_three_and_last_four() {
        assert_eq!(national_id("110101199001011234"), "110***********1234");
        assert_eq!(national_id("11010119900101123X"), "110***********123X");
        assert_eq!(national_id("1234"), "****");
    }

    #[test]
    fn bank_cards_keep_only_the_last_four_digits() {
        assert_eq!(bank_card("6222021234567891234"), "**** **** **** 1234");
        assert_eq!(bank_card("6222 0212 3456 7890"), "**** **** **** 7890");
        assert_eq!(bank_card("123"), "***");
    }

    #[test]
    fn names_keep_a_surname_or_initials() {
        assert_eq!(name("张三丰"), "张**");
        assert_eq!(name("李雷"), "李*");
        assert_eq!(name("Alice Smith"), "A*** S***");
    }

    #[test]
    fn tax_ids_keep_four_at_each_end() {
        assert_eq!(tax_id("91110000600037341L"), "9111**********341L");
        assert_eq!(tax_id("short"), "*****");
    }

    #[test]
    fn chinese_addresses_keep_province_city_and_district() {
        assert_eq!(address("北京市朝阳区建国路88号"), "北京市朝阳区****");
        assert_eq!(address("上海市浦东新区世纪大道100号1201室"), "上海市浦东新区****");
        assert_eq!(address("广东省深圳市南山区科技园南区8栋"), "广东省深圳市南山区****");
        assert_eq!(address("浙江省杭州市西湖区文三路90号"), "浙江省杭州市西湖区****");
        // A residential compound (小区) is street-level: only the first district is kept.
        assert_eq!(address("北京市海淀区望京小区3号楼"), "北京市海淀区****");
        assert_eq!(address("建国路88号"), "****");
    }

    #[test]
    fn latin_addresses_keep_the_parts_without_street_or_number() {
        assert_eq!(address("88 Jianguo Road, Chaoyang District, Beijing"), "****, Chaoyang District, Beijing");
        assert_eq!(address("Room 1201, Building 5, 100 Century Ave, Pudong New Area, Shanghai"), "****, Pudong New Area, Shanghai");
        // A bare one-word part is kept only among the last two: the city and the country.
        assert_eq!(address("Room 1201, Building 5, 100 Century Ave, Pudong, Shanghai"), "****, Pudong, Shanghai");
        assert_eq!(address("88 Jianguo Road, Chaoyang District, Beijing, China"), "****, Chaoyang District, Beijing, China");
        assert_eq!(address("5 Main Street, Springfield, John Smith"), "****, Springfield, ****");
        assert_eq!(address("221B Baker Street"), "****");
    }

    #[test]
    fn names_phones_and_emails_written_into_an_address_are_masked() {
        assert_eq!(address("John Smith, 5 Main Street, Springfield"), "****, Springfield");
        assert_eq!(address("5 Main Street, Springfield, bob@example.com"), "****, Springfield, ****");
        assert_eq!(address("Attn Mary Jones, Chaoyang District, Beijing"), "****, Chaoyang District, Beijing");
        assert_eq!(address("Springfield"), "****");
        assert_eq!(address("王小明 上海市浦东新区世纪大道100号"), "上海市浦东新区****");
        assert_eq!(address("王小明上海市浦东新区世纪大道100号"), "上海市浦东新区****");
        assert_eq!(address("13812341234北京市朝阳区建国路88号"), "北京市朝阳区****");
        assert_eq!(address("某某路88号"), "****");
    }

    #[test]
    fn landlines_with_an_area_code_are_scrubbed() {
        assert_eq!(scrub("call 010-62345678 or 0755 1234567"), "call 010****5678 or 075****4567");
    }

    #[test]
    fn free_text_is_scrubbed_of_phones_emails_cards_and_ids() {
        let text = "Call 13812341234 or mail alice@example.com; card 6222 0212 3456 7890, id 110101199001011234.";
        let scrubbed = scrub(text);
        assert_eq!(
            scrubbed,
            "Call 138****1234 or mail a***@example.com; card **** **** **** 7890, id 110***********1234."
        );
    }

    #[test]
    fn numbers_next_to_chinese_text_are_scrubbed_too() {
        assert_eq!(
            scrub("电话13812341234，邮箱bob@example.com，卡号6222021234567891234"),
            "电话138****1234，邮箱b***@example.com，卡号**** **** **** 1234"
        );
    }

    #[test]
    fn values_known_not_to_be_personal_are_kept() {
        let text = "Tracking 731234567890123, call 13812341234";
        assert_eq!(scrub(text), "Tracking **** **** **** 0123, call 138****1234");
        assert_eq!(scrub_keeping(text, &["731234567890123".to_string()]), "Tracking 731234567890123, call 138****1234");
    }

    #[test]
    fn scrubbing_leaves_order_ids_tracking_numbers_dates_and_amounts_alone() {
        let text =
            "Order ORD-001 (SF1234567890, ZTO 731234567890) ships 2026-07-05, total 1299.00 CNY, refund RF-20260701";
        assert_eq!(scrub(text), text);
    }
}
