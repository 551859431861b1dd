//! The anti-abuse rules of QR check-in, as pure functions both sides use: the device id a phone
//! must send, each activity's code timing, the school's burst policy (a sliding window per
//! network address and per phone, with trusted campus ranges) and the bursts it finds.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ApiError, ErrorCode};

/// The shortest and longest device id a phone may send.
pub const DEVICE_ID_LEN: std::ops::RangeInclusive<usize> = 8..=64;

/// The device id of a scan: required, 8–64 characters of `A-Z a-z 0-9 - _`. The web app keeps
/// a random UUID in the phone's storage; the server stores only a keyed hash of it.
pub fn device_id(given: Option<&str>) -> Result<&str, ApiError> {
    let id = given.map(str::trim).unwrap_or_default();
    if id.is_empty() {
        return Err(ApiError::new(
            ErrorCode::DeviceRequired,
            "a scan must say which phone sent it (device_id): scan with the app's page",
        )
        .with_field("device_id"));
    }
    if !DEVICE_ID_LEN.contains(&id.len())
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ApiError::invalid(
            "device_id",
            "8 to 64 characters of letters, digits, - and _",
        ));
    }
    Ok(id)
}

/// How long each code of an activity is shown and accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeTiming {
    /// Seconds each code is on screen: 5–30 (default 10).
    #[cfg_attr(feature = "openapi", schema(minimum = 5, maximum = 30))]
    pub step_secs: u32,
    /// Seconds a replaced code is still accepted (a slow camera, a student mid-scan): 5–30
    /// (default 10).
    #[cfg_attr(feature = "openapi", schema(minimum = 5, maximum = 30))]
    pub grace_secs: u32,
}

impl Default for CodeTiming {
    fn default() -> Self {
        CodeTiming {
            step_secs: 10,
            grace_secs: 10,
        }
    }
}

impl CodeTiming {
    pub const RANGE: std::ops::RangeInclusive<u32> = 5..=30;

    pub fn validate(&self) -> Result<(), ApiError> {
        if !Self::RANGE.contains(&self.step_secs) {
            return Err(ApiError::invalid("step_secs", "between 5 and 30 seconds"));
        }
        if !Self::RANGE.contains(&self.grace_secs) {
            return Err(ApiError::invalid("grace_secs", "between 5 and 30 seconds"));
        }
        Ok(())
    }

    /// A scan opened this many milliseconds after its code appeared came from a code no longer
    /// on screen (2 s allowed for the camera and the network): flagged as late.
    pub fn late_after_ms(&self) -> i64 {
        i64::from(self.step_secs) * 1000 + 2000
    }
}

/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `2001:da8::/32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let network: IpAddr = address.parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 3 => {
                p.parse().ok().filter(|p| *p <= max)?
            }
            Some(_) => return None,
            None => max,
        };
        Some(Cidr { network, prefix })
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        fn bits(address: IpAddr) -> (u128, u8) {
            match address {
                IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
                // An IPv4 address seen through an IPv6 socket.
                IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                    Some(v4) => (u128::from(u32::from(v4)), 32),
                    None => (u128::from(v6), 128),
                },
            }
        }
        let (network, width) = bits(self.network);
        let (address, address_width) = bits(address);
        if width != address_width {
            return false;
        }
        let host_bits = u32::from(width - self.prefix.min(width));
        let shift = |v: u128| v.checked_shr(host_bits).unwrap_or(0);
        shift(network) == shift(address)
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// The school's check-in policy: `GET/PUT /api/school/checkin-policy`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({
    "window_secs": 10, "per_address": 8, "per_device": 3,
    "trusted_networks": ["10.0.0.0/8", "2001:da8:8000::/48"]})))]
pub struct CheckinPolicy {
    /// The sliding window, in seconds (5–300).
    #[cfg_attr(feature = "openapi", schema(minimum = 5, maximum = 300))]
    pub window_secs: u32,
    /// Check-ins from one network address within the window that make a burst (2–1000).
    #[cfg_attr(feature = "openapi", schema(minimum = 2, maximum = 1000))]
    pub per_address: u32,
    /// Scans (accepted or refused) from one phone within the window that make a burst (2–100).
    #[cfg_attr(feature = "openapi", schema(minimum = 2, maximum = 100))]
    pub per_device: u32,
    /// Campus networks (CIDR) whose shared addresses (NAT) are not flagged for address bursts;
    /// at most 50.
    #[cfg_attr(feature = "openapi", schema(max_items = 50))]
    pub trusted_networks: Vec<String>,
    /// Times per term a student may move their personal check-in code to another phone
    /// (1–20, default 3); each move is shown among the anomalies.
    #[serde(default = "default_device_changes")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 20, default = 3))]
    pub device_changes_per_term: u32,
    /// What no-shows cost (诚信记录).
    #[serde(default)]
    pub no_shows: crate::integrity::NoShowPolicy,
}

fn default_device_changes() -> u32 {
    crate::pass::DEFAULT_DEVICE_CHANGES
}

impl Default for CheckinPolicy {
    fn default() -> Self {
        CheckinPolicy {
            window_secs: 10,
            per_address: 8,
            per_device: 3,
            trusted_networks: Vec::new(),
            device_changes_per_term: default_device_changes(),
            no_shows: crate::integrity::NoShowPolicy::default(),
        }
    }
}

impl CheckinPolicy {
    pub fn validate(&self) -> Result<(), ApiError> {
        if !(5..=300).contains(&self.window_secs) {
            return Err(ApiError::invalid(
                "window_secs",
                "between 5 and 300 seconds",
            ));
        }
        if !(2..=1000).contains(&self.per_address) {
            return Err(ApiError::invalid("per_address", "between 2 and 1000"));
        }
        if !(2..=100).contains(&self.per_device) {
            return Err(ApiError::invalid("per_device", "between 2 and 100"));
        }
        if !(1..=20).contains(&self.device_changes_per_term) {
            return Err(ApiError::invalid(
                "device_changes_per_term",
                "between 1 and 20",
            ));
        }
        self.no_shows.validate()?;
        if self.trusted_networks.len() > 50 {
            return Err(ApiError::invalid("trusted_networks", "at most 50 networks"));
        }
        for (i, network) in self.trusted_networks.iter().enumerate() {
            if network.len() > 64 || Cidr::parse(network).is_none() {
                return Err(ApiError::invalid(
                    format!("trusted_networks[{i}]"),
                    "a network in CIDR notation, such as 10.0.0.0/8",
                ));
            }
        }
        Ok(())
    }

    /// The trusted networks, written canonically (`10.1.0.0/16`).
    pub fn normalized(mut self) -> Self {
        self.trusted_networks = self
            .trusted_networks
            .iter()
            .filter_map(|n| Cidr::parse(n))
            .map(|c| c.to_string())
            .collect();
        self
    }

    /// Whether check-ins from `address` are exempt from address bursts.
    pub fn trusts(&self, address: &str) -> bool {
        let Ok(address) = address.parse::<IpAddr>() else {
            return false;
        };
        self.trusted_networks
            .iter()
            .filter_map(|n| Cidr::parse(n))
            .any(|network| network.contains(address))
    }
}

/// One scan as the burst check sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark<'a> {
    /// The address or the phone.
    pub key: &'a str,
    pub at: DateTime<Utc>,
    pub student: &'a str,
}

/// A run of at least `threshold` scans with one key, each inside a `window_secs` sliding window
/// of the others in its run; overlapping windows are merged into one burst.
#[derive(Debug, Clone, PartialEq)]
pub struct Burst {
    pub key: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub scans: usize,
    /// The students, in order of their first scan in the burst, each once.
    pub students: Vec<String>,
}

/// The bursts among `marks`, oldest first. A sliding window, not fixed buckets: `threshold`
/// scans within any `window_secs` seconds make a burst wherever the window falls.
pub fn bursts(marks: &[Mark<'_>], window_secs: u32, threshold: u32) -> Vec<Burst> {
    let threshold = threshold.max(2) as usize;
    let window = chrono::Duration::seconds(i64::from(window_secs));
    let mut by_key: Vec<&Mark<'_>> = marks.iter().collect();
    by_key.sort_by(|a, b| a.key.cmp(b.key).then(a.at.cmp(&b.at)));
    let mut found = Vec::new();
    for group in by_key.chunk_by(|a, b| a.key == b.key) {
        // Flagged index ranges [left, right], merged as they overlap.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut left = 0;
        for right in 0..group.len() {
            while group[right].at - group[left].at > window {
                left += 1;
            }
            if right + 1 - left >= threshold {
                match runs.last_mut() {
                    Some(run) if run.1 + 1 >= left => run.1 = right,
                    _ => runs.push((left, right)),
                }
            }
        }
        for (left, right) in runs {
            let scans = &group[left..=right];
            let mut students: Vec<String> = Vec::new();
            for mark in scans {
                if !students.iter().any(|s| s == mark.student) {
                    students.push(mark.student.to_owned());
                }
            }
            found.push(Burst {
                key: scans[0].key.to_owned(),
                from: scans[0].at,
                to: scans[scans.len() - 1].at,
                scans: scans.len(),
                students,
            });
        }
    }
    found.sort_by(|a, b| a.from.cmp(&b.from).then(a.key.cmp(&b.key)));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_764_300_000 + secs, 0).unwrap()
    }

    #[test]
    fn a_device_id_is_required_and_bounded() {
        assert_eq!(device_id(None).unwrap_err().code, ErrorCode::DeviceRequired);
        assert_eq!(
            device_id(Some("  ")).unwrap_err().field.as_deref(),
            Some("device_id")
        );
        assert_eq!(
            device_id(Some("b0f6c1e2-7a1d-4c3e-9f00-1234567890ab")).unwrap(),
            "b0f6c1e2-7a1d-4c3e-9f00-1234567890ab"
        );
        for bad in [
            "short",
            "has space in it",
            "semi;colon-xx",
            &"x".repeat(65),
            "手机手机手机",
        ] {
            assert_eq!(
                device_id(Some(bad)).unwrap_err().code,
                ErrorCode::ValidationFailed,
                "{bad}"
            );
        }
    }

    #[test]
    fn a_burst_across_a_ten_second_boundary_is_found() {
        // Five check-ins 8..12 s: fixed 10-second buckets split them 2 + 3 and saw nothing.
        let students = ["a", "b", "c", "d", "e"];
        let marks: Vec<Mark> = students
            .iter()
            .enumerate()
            .map(|(i, s)| Mark {
                key: "1.2.3.4",
                at: at(8 + i as i64),
                student: s,
            })
            .collect();
        let found = bursts(&marks, 10, 5);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].students, students);
        assert_eq!((found[0].from, found[0].to), (at(8), at(12)));
    }

    #[test]
    fn steady_scans_below_the_threshold_are_not_a_burst_and_long_runs_merge() {
        // One every 3 s: at most 4 in any 10 s window.
        let names: Vec<String> = (0..20).map(|i| format!("s{i}")).collect();
        let steady: Vec<Mark> = names
            .iter()
            .enumerate()
            .map(|(i, s)| Mark {
                key: "nat",
                at: at(3 * i as i64),
                student: s,
            })
            .collect();
        assert!(bursts(&steady, 10, 5).is_empty());
        // One every second for 20 s: one burst of all 20, not 16 overlapping ones.
        let busy: Vec<Mark> = names
            .iter()
            .enumerate()
            .map(|(i, s)| Mark {
                key: "nat",
                at: at(i as i64),
                student: s,
            })
            .collect();
        let found = bursts(&busy, 10, 5);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].scans, 20);
        // Keys are separate: five addresses with four each make no burst.
        let spread: Vec<Mark> = names
            .iter()
            .enumerate()
            .map(|(i, s)| Mark {
                key: ["a", "b", "c", "d", "e"][i % 5],
                at: at(i as i64 / 5),
                student: s,
            })
            .collect();
        assert!(bursts(&spread, 10, 5).is_empty());
    }

    #[test]
    fn property_a_burst_is_found_exactly_when_some_window_holds_the_threshold() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..300 {
            let n = (next() % 12) as usize;
            let mut times: Vec<i64> = (0..n).map(|_| (next() % 60) as i64).collect();
            times.sort();
            let window = 5 + (next() % 10) as u32;
            let threshold = 2 + (next() % 4) as u32;
            let marks: Vec<Mark> = times
                .iter()
                .map(|t| Mark {
                    key: "k",
                    at: at(*t),
                    student: "s",
                })
                .collect();
            let brute = times.iter().any(|start| {
                times
                    .iter()
                    .filter(|t| **t >= *start && **t - *start <= i64::from(window))
                    .count()
                    >= threshold as usize
            });
            let found = bursts(&marks, window, threshold);
            assert_eq!(!found.is_empty(), brute, "{times:?} {window} {threshold}");
            let covered: usize = found.iter().map(|b| b.scans).sum();
            assert!(covered <= n);
        }
    }

    #[test]
    fn networks_contain_their_addresses() {
        let campus = Cidr::parse("10.12.0.0/16").unwrap();
        assert!(campus.contains("10.12.200.7".parse().unwrap()));
        assert!(!campus.contains("10.13.0.1".parse().unwrap()));
        assert!(campus.contains("::ffff:10.12.0.9".parse().unwrap()));
        let v6 = Cidr::parse("2001:da8:8000::/48").unwrap();
        assert!(v6.contains("2001:da8:8000:1::5".parse().unwrap()));
        assert!(!v6.contains("2001:da8:8001::5".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert_eq!(Cidr::parse("10.1.2.3").unwrap().to_string(), "10.1.2.3/32");
        for bad in [
            "10.0.0.0/33",
            "10.0.0/8",
            "x/8",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "::/129",
        ] {
            assert!(Cidr::parse(bad).is_none(), "{bad}");
        }
        let policy = CheckinPolicy {
            trusted_networks: vec!["10.12.0.0/16".into()],
            ..CheckinPolicy::default()
        };
        assert!(policy.trusts("10.12.3.4"));
        assert!(!policy.trusts("192.168.1.1"));
        assert!(!policy.trusts("unknown"));
        let bad = CheckinPolicy {
            trusted_networks: vec!["10.0.0.0/8".into(), "campus".into()],
            ..CheckinPolicy::default()
        };
        assert_eq!(
            bad.validate().unwrap_err().field.as_deref(),
            Some("trusted_networks[1]")
        );
    }

    #[test]
    fn code_timing_is_five_to_thirty_seconds() {
        assert!(CodeTiming::default().validate().is_ok());
        let fast = CodeTiming {
            step_secs: 4,
            grace_secs: 10,
        };
        assert_eq!(
            fast.validate().unwrap_err().field.as_deref(),
            Some("step_secs")
        );
        let slow = CodeTiming {
            step_secs: 30,
            grace_secs: 31,
        };
        assert_eq!(
            slow.validate().unwrap_err().field.as_deref(),
            Some("grace_secs")
        );
    }
}
