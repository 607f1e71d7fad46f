//! A field extractor for audit records: reads the few fields usage needs straight from the
//! JSON bytes, without serde's per-field machinery and without building anything it skips.
//!
//! It answers only when it is certain that serde_json ([`crate::parse::record`]) would read the
//! record the same way, and `None` otherwise; the caller then asks serde_json, which gives the
//! same answer or names the error. So the extractor still validates the whole record as
//! serde_json does (structure, string escapes, control characters, numbers, literals, trailing
//! text), but it gives up rather than handle anything rare:
//!
//! - a key or a read field's value with a backslash escape (serde_json unescapes it);
//! - a read field with a type other than the expected one or null, or read twice (serde_json
//!   refuses both: wrong type, duplicate field);
//! - `AdditionalInfo` as a JSON string holding escaped JSON (the legacy export form);
//! - `RecordType` that is not a plain non-negative integer, null, or a string;
//! - nesting deeper than [`MAX_DEPTH`], or anything but an object at the top.
//!
//! The property tests at the end hold it to serde_json on generated and damaged records.

use crate::parse::{AdditionalInfo, Properties, RawRecord};
use std::borrow::Cow;

/// Nesting skipped before giving up (serde_json itself stops at 128).
const MAX_DEPTH: u32 = 64;

/// The record, when the extractor can read it with certainty (see the module's documentation).
pub fn record(json: &str) -> Option<RawRecord<'_>> {
    let mut r = RawRecord::default();
    record_into(json, &mut r).then_some(r)
}

/// [`record`] into `r`, which must be empty (`RawRecord::default()`); false when the extractor
/// gives up (then `r` holds part of the record). The record is ~500 bytes: filled in place, it
/// is not copied on its way to the caller (the copies showed in profiles).
pub fn record_into<'a>(json: &'a str, r: &mut RawRecord<'a>) -> bool {
    let mut s = Scanner { src: json, b: json.as_bytes(), i: 0 };
    if s.record(r).is_none() {
        return false;
    }
    s.ws();
    s.i == s.b.len()
}

/// Top-level fields read, as bits of a "seen" mask (serde refuses a field read twice).
#[derive(Clone, Copy)]
enum Field {
    Id,
    CreationTime,
    Operation,
    Workload,
    RecordType,
    OrganizationId,
    UserKey,
    UserId,
    UserUpn,
    AppName,
    ObjectId,
    EnvironmentId,
    FlowDetailsUrl,
    AdditionalInfo,
    PropertyCollection,
}

/// The read fields by name ([`field`] jumps on their lengths: keep the two in step; a test
/// checks every name).
const FIELDS: [(&str, Field); 15] = [
    ("Id", Field::Id),
    ("CreationTime", Field::CreationTime),
    ("Operation", Field::Operation),
    ("Workload", Field::Workload),
    ("RecordType", Field::RecordType),
    ("OrganizationId", Field::OrganizationId),
    ("UserKey", Field::UserKey),
    ("UserId", Field::UserId),
    ("UserUPN", Field::UserUpn),
    ("AppName", Field::AppName),
    ("ObjectId", Field::ObjectId),
    ("EnvironmentId", Field::EnvironmentId),
    ("FlowDetailsUrl", Field::FlowDetailsUrl),
    ("AdditionalInfo", Field::AdditionalInfo),
    ("PropertyCollection", Field::PropertyCollection),
];

/// Eight bytes of `b` from `at`, zero-padded, as one integer.
const fn word(b: &[u8], at: usize) -> u64 {
    let mut w = 0u64;
    let mut i = 0;
    while i < 8 && at + i < b.len() {
        w |= (b[at + i] as u64) << (8 * i);
        i += 1;
    }
    w
}

/// A read field's name as words: its first eight bytes, bytes 8–16 and last eight bytes
/// (names are at most 18 bytes, so together they hold every byte).
const fn words(name: &str) -> (u64, u64, u64) {
    let b = name.as_bytes();
    let last = if b.len() > 8 { word(b, b.len() - 8) } else { 0 };
    (word(b, 0), word(b, 8), last)
}

/// Which read field `key` is: a jump on its length, then one to three integer comparisons
/// (a linear search of the table and whole-string comparisons showed in profiles).
#[inline]
fn field(key: &str) -> Option<Field> {
    let b = key.as_bytes();
    let is = |i: usize| {
        let (first, middle, last) = words(FIELDS[i].0);
        let n = b.len();
        // Lengths are equal here (the caller's jump): compare the words that cover the key.
        let ok = if n <= 8 {
            word(b, 0) == first
        } else {
            let at = |k: usize| {
                u64::from_le_bytes([b[k], b[k + 1], b[k + 2], b[k + 3], b[k + 4], b[k + 5], b[k + 6], b[k + 7]])
            };
            at(0) == first && at(n - 8) == last && (n <= 16 || at(8) == middle)
        };
        ok.then_some(FIELDS[i].1)
    };
    match b.len() {
        2 => is(0),
        6 => is(7),
        7 => is(6).or_else(|| is(8)).or_else(|| is(9)),
        8 => is(3).or_else(|| is(10)),
        9 => is(2),
        10 => is(4),
        12 => is(1),
        13 => is(11),
        14 => is(5).or_else(|| is(12)).or_else(|| is(13)),
        18 => is(14),
        _ => None,
    }
}

struct Scanner<'a> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// `,` (then more) or `close` (then done), after optional whitespace.
    #[inline]
    fn next_or_close(&mut self, close: u8) -> Option<bool> {
        self.ws();
        match self.peek()? {
            b',' => {
                self.i += 1;
                self.ws();
                Some(true)
            }
            c if c == close => {
                self.i += 1;
                Some(false)
            }
            _ => None,
        }
    }

    /// A string without escapes at the cursor, borrowed; `None` for anything else.
    #[inline(always)]
    fn plain_str(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        let end = start + find_special(&self.b[start..])?;
        if self.b[end] != b'"' {
            return None;
        }
        self.i = end + 1;
        // Both ends are ASCII quotes, so these are character boundaries.
        self.src.get(start..end)
    }

    /// Skip a string at the cursor, checking its escapes and characters as serde_json does.
    fn skip_str(&mut self) -> Option<()> {
        self.eat(b'"')?;
        loop {
            let at = self.i + find_special(&self.b[self.i..])?;
            match self.b[at] {
                b'"' => {
                    self.i = at + 1;
                    return Some(());
                }
                b'\\' => match *self.b.get(at + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i = at + 2,
                    b'u' => {
                        let hex = self.b.get(at + 2..at + 6)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        self.i = at + 6;
                    }
                    _ => return None,
                },
                // A control character: serde_json refuses it.
                _ => return None,
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - start
    }

    /// Skip a number with JSON's grammar (no leading zeros, digits after `.` and `e`).
    fn skip_number(&mut self) -> Option<()> {
        let _ = self.eat(b'-');
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.eat(b'.').is_some() && self.digits() == 0 {
            return None;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    /// Skip any value at the cursor.
    fn skip_value(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_str(),
            b'{' => {
                let depth = depth.checked_sub(1)?;
                self.i += 1;
                self.ws();
                if self.eat(b'}').is_some() {
                    return Some(());
                }
                loop {
                    self.skip_str()?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    self.skip_value(depth)?;
                    if !self.next_or_close(b'}')? {
                        return Some(());
                    }
                }
            }
            b'[' => {
                let depth = depth.checked_sub(1)?;
                self.i += 1;
                self.ws();
                if self.eat(b']').is_some() {
                    return Some(());
                }
                loop {
                    self.skip_value(depth)?;
                    if !self.next_or_close(b']')? {
                        return Some(());
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.skip_number(),
            _ => None,
        }
    }

    /// An optional text field: null, or a string without escapes.
    #[inline]
    fn opt_str(&mut self) -> Option<Option<Cow<'a, str>>> {
        match self.peek()? {
            b'"' => Some(Some(Cow::Borrowed(self.plain_str()?))),
            b'n' => self.literal(b"null").map(|()| None),
            _ => None,
        }
    }

    /// `RecordType`: a number in the API, a string in some exports (read as serde's visitor
    /// does), or null.
    fn record_type(&mut self) -> Option<Option<i32>> {
        match self.peek()? {
            b'0'..=b'9' => {
                let start = self.i;
                let n = self.digits();
                // Leading zeros, fractions, exponents and numbers past u64: serde's business.
                if n > 18 || (n > 1 && self.b[start] == b'0') || matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
                    return None;
                }
                let v = self.b[start..self.i].iter().fold(0u64, |acc, c| acc * 10 + u64::from(c - b'0'));
                Some(i32::try_from(v).ok())
            }
            b'"' => Some(self.plain_str()?.trim().parse().ok()),
            b'n' => self.literal(b"null").map(|()| None),
            _ => None,
        }
    }

    /// `AdditionalInfo`: an object (its two entries read), or null. A string without escapes
    /// cannot hold an object with text in it, so serde's reading of it is the empty default.
    fn additional_info(&mut self) -> Option<AdditionalInfo<'a>> {
        let mut info = AdditionalInfo::default();
        match self.peek()? {
            b'n' => self.literal(b"null")?,
            b'"' => {
                self.plain_str()?;
            }
            b'{' => {
                self.i += 1;
                self.ws();
                if self.eat(b'}').is_some() {
                    return Some(info);
                }
                let (mut env, mut target) = (false, false);
                loop {
                    let key = self.plain_str()?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    match key {
                        "environmentName" if !std::mem::replace(&mut env, true) => {
                            info.environment_name = self.opt_str()?;
                        }
                        "targetObjectId" if !std::mem::replace(&mut target, true) => {
                            info.target_object_id = self.opt_str()?;
                        }
                        "environmentName" | "targetObjectId" => return None,
                        _ => self.skip_value(MAX_DEPTH - 2)?,
                    }
                    if !self.next_or_close(b'}')? {
                        break;
                    }
                }
            }
            _ => return None,
        }
        Some(info)
    }

    /// A `PropertyCollection` entry written exactly `{"Name":"…","Value":…}` (no whitespace),
    /// with a name and a value (string or null) without escapes; `None` for anything else.
    #[inline]
    fn plain_entry(&mut self) -> Option<(&'a str, Option<Cow<'a, str>>)> {
        const OPEN: &[u8] = b"{\"Name\":";
        const VALUE: &[u8] = b",\"Value\":";
        if !self.b[self.i..].starts_with(OPEN) {
            return None;
        }
        self.i += OPEN.len();
        let name = self.plain_str()?;
        if !self.b[self.i..].starts_with(VALUE) {
            return None;
        }
        self.i += VALUE.len();
        let value = self.opt_str()?;
        self.eat(b'}')?;
        Some((name, value))
    }

    /// `PropertyCollection`: an array of `{"Name", "Value"}` objects, or null.
    fn properties(&mut self) -> Option<Properties<'a>> {
        let mut p = Properties::default();
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(p);
        }
        self.eat(b'[')?;
        self.ws();
        if self.eat(b']').is_some() {
            return Some(p);
        }
        loop {
            // Entries as the service writes them, `{"Name":"…","Value":"…"}` without spaces or
            // escapes, are read in one go; anything else is read again from the entry's start,
            // field by field.
            let start = self.i;
            if let Some((name, value)) = self.plain_entry() {
                p.set(name, value);
                if !self.next_or_close(b']')? {
                    return Some(p);
                }
                continue;
            }
            self.i = start;
            self.eat(b'{')?;
            self.ws();
            let mut name = None;
            // The value matters only for the entries read, and the name may come after it:
            // an escaped value is checked and kept aside until the name says whether it matters.
            let mut value: Option<Result<Option<Cow<'a, str>>, ()>> = None;
            if self.eat(b'}').is_none() {
                loop {
                    let key = self.plain_str()?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    match key {
                        "Name" if name.is_none() => name = Some(self.plain_str()?),
                        "Value" if value.is_none() => {
                            let start = self.i;
                            value = Some(match self.opt_str() {
                                Some(v) => Ok(v),
                                None if self.b.get(start) == Some(&b'"') => {
                                    self.i = start;
                                    self.skip_str()?;
                                    Err(())
                                }
                                None => return None,
                            });
                        }
                        "Name" | "Value" => return None,
                        _ => self.skip_value(MAX_DEPTH - 3)?,
                    }
                    if !self.next_or_close(b'}')? {
                        break;
                    }
                }
            }
            // serde refuses an entry without a name.
            let name = name?;
            match value {
                None => p.set(name, None),
                Some(Ok(v)) => p.set(name, v),
                // An escaped value of an entry that is read: serde unescapes it.
                Some(Err(())) if Properties::reads(name) => return None,
                Some(Err(())) => {}
            }
            if !self.next_or_close(b']')? {
                return Some(p);
            }
        }
    }

    fn record(&mut self, r: &mut RawRecord<'a>) -> Option<()> {
        self.ws();
        self.eat(b'{')?;
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        let mut seen = 0u32;
        loop {
            let key = self.plain_str()?;
            self.ws();
            self.eat(b':')?;
            self.ws();
            match field(key) {
                None => self.skip_value(MAX_DEPTH - 1)?,
                Some(f) => {
                    let bit = 1u32 << f as u32;
                    if seen & bit != 0 {
                        return None;
                    }
                    seen |= bit;
                    match f {
                        Field::Id => r.id = self.opt_str()?,
                        Field::CreationTime => r.creation_time = self.opt_str()?,
                        Field::Operation => r.operation = self.opt_str()?,
                        Field::Workload => r.workload = self.opt_str()?,
                        Field::RecordType => r.record_type = self.record_type()?,
                        Field::OrganizationId => r.organization_id = self.opt_str()?,
                        Field::UserKey => r.user_key = self.opt_str()?,
                        Field::UserId => r.user_id = self.opt_str()?,
                        Field::UserUpn => r.user_upn = self.opt_str()?,
                        Field::AppName => r.app_name = self.opt_str()?,
                        Field::ObjectId => r.object_id = self.opt_str()?,
                        Field::EnvironmentId => r.environment_id = self.opt_str()?,
                        Field::FlowDetailsUrl => r.flow_details_url = self.opt_str()?,
                        Field::AdditionalInfo => r.additional_info = self.additional_info()?,
                        Field::PropertyCollection => r.properties = self.properties()?,
                    }
                }
            }
            if !self.next_or_close(b'}')? {
                return Some(());
            }
        }
    }
}

/// Offset of the first `"`, `\` or control character (below 0x20) in `b`: the bytes a JSON
/// string scan stops at. Eight bytes at a time with the classic "has a byte below n / equal to
/// c" word tricks; the lowest flagged byte is always a true match.
#[inline]
fn find_special(b: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::MAX / 255;
    const HIGH: u64 = ONES << 7;
    let mut words = b.chunks_exact(8);
    let mut offset = 0;
    for w in words.by_ref() {
        let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        let ctrl = x.wrapping_sub(ONES * 0x20) & !x;
        let q = x ^ (ONES * u64::from(b'"'));
        let quote = q.wrapping_sub(ONES) & !q;
        let s = x ^ (ONES * u64::from(b'\\'));
        let slash = s.wrapping_sub(ONES) & !s;
        let hit = (ctrl | quote | slash) & HIGH;
        if hit != 0 {
            return Some(offset + (hit.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    words.remainder().iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).map(|p| offset + p)
}

#[cfg(test)]
mod tests;
