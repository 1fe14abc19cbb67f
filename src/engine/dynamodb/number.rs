//! DynamoDB's Number: a decimal with up to 38 significant digits and a
//! magnitude between 1E-130 and 9.9999999999999999999999999999999999999E+125,
//! stored and compared exactly (never as f64).

use bigdecimal::BigDecimal;
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// The most significant digits a Number may have.
pub const MAX_DIGITS: u64 = 38;

/// A DynamoDB number, normalized (no trailing zeros), so that equal values
/// are equal as Rust values and hash alike.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number(BigDecimal);

/// Why a number was refused, with DynamoDB's messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    NotANumber,
    TooManyDigits,
    Overflow,
    Underflow,
}

impl NumberError {
    pub fn message(&self) -> &'static str {
        match self {
            NumberError::NotANumber => "The parameter cannot be converted to a numeric value",
            NumberError::TooManyDigits => "Attempting to store more than 38 significant digits in a Number",
            NumberError::Overflow => {
                "Number overflow. Attempting to store a number with magnitude larger than supported range"
            }
            NumberError::Underflow => {
                "Number underflow. Attempting to store a number with magnitude smaller than supported range"
            }
        }
    }
}

impl Number {
    /// Parses a number as DynamoDB accepts it: optional sign, digits with an
    /// optional decimal point, optional exponent. No spaces, no `NaN`/`Infinity`,
    /// no hexadecimal.
    pub fn parse(text: &str) -> Result<Number, NumberError> {
        let t = text.trim();
        if t.is_empty() || !looks_numeric(t) {
            return Err(NumberError::NotANumber);
        }
        let value = BigDecimal::from_str(t).map_err(|_| NumberError::NotANumber)?;
        Number::checked(value)
    }

    /// Checks DynamoDB's precision and range limits.
    fn checked(value: BigDecimal) -> Result<Number, NumberError> {
        let value = value.normalized();
        if value == BigDecimal::from(0) {
            return Ok(Number(BigDecimal::from(0)));
        }
        let digits = value.digits();
        if digits > MAX_DIGITS {
            return Err(NumberError::TooManyDigits);
        }
        // value = mantissa * 10^-scale, with `digits` digits in the mantissa, so
        // its decimal exponent (as in d.ddd * 10^e) is digits - 1 - scale.
        let (_, scale) = value.as_bigint_and_exponent();
        let exponent = digits as i64 - 1 - scale;
        if exponent > 125 {
            return Err(NumberError::Overflow);
        }
        if exponent < -130 {
            return Err(NumberError::Underflow);
        }
        Ok(Number(value))
    }

    pub fn zero() -> Number {
        Number(BigDecimal::from(0))
    }

    pub fn from_i64(n: i64) -> Number {
        Number(BigDecimal::from(n).normalized())
    }

    /// `self + other`, exact, or the limit it breaks.
    pub fn add(&self, other: &Number) -> Result<Number, NumberError> {
        Number::checked(&self.0 + &other.0)
    }

    /// `self - other`, exact, or the limit it breaks.
    pub fn sub(&self, other: &Number) -> Result<Number, NumberError> {
        Number::checked(&self.0 - &other.0)
    }

    /// Significant digits (at least 1, for zero).
    pub fn digits(&self) -> u64 {
        self.0.digits()
    }

    /// Size as DynamoDB counts it: 1 byte per two significant digits, plus 1.
    pub fn size(&self) -> usize {
        (self.digits() as usize).div_ceil(2) + 1
    }

    /// The value as an f64, for display and approximate uses only.
    pub fn to_f64(&self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    /// The value as an i64 when it is an integer in range (list indexes, counts).
    pub fn to_i64(&self) -> Option<i64> {
        if !self.0.is_integer() {
            return None;
        }
        self.to_string().parse().ok()
    }
}

/// Digits, one optional point, optional sign and exponent; nothing else.
fn looks_numeric(t: &str) -> bool {
    let bytes = t.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'+') | Some(b'-')) {
        i += 1;
    }
    let mut digits = 0;
    let mut point = false;
    while i < bytes.len() {
        match bytes[i] {
            b'0'..=b'9' => digits += 1,
            b'.' if !point => point = true,
            b'e' | b'E' => break,
            _ => return false,
        }
        i += 1;
    }
    if digits == 0 {
        return false;
    }
    if i < bytes.len() {
        i += 1; // the 'e'
        if matches!(bytes.get(i), Some(b'+') | Some(b'-')) {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == start || i != bytes.len() || i - start > 6 {
            return false;
        }
    }
    true
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The canonical text DynamoDB returns: plain notation, no trailing zeros.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (mantissa, scale) = self.0.as_bigint_and_exponent();
        let negative = mantissa.sign() == bigdecimal::num_bigint::Sign::Minus;
        let digits = mantissa.magnitude().to_string();
        let sign = if negative { "-" } else { "" };
        if scale <= 0 {
            write!(f, "{sign}{digits}{}", "0".repeat((-scale) as usize))
        } else {
            let scale = scale as usize;
            if digits.len() > scale {
                let (int, frac) = digits.split_at(digits.len() - scale);
                write!(f, "{sign}{int}.{frac}")
            } else {
                write!(f, "{sign}0.{}{digits}", "0".repeat(scale - digits.len()))
            }
        }
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "N({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn canonical_text() {
        assert_eq!(n("1.50").to_string(), "1.5");
        assert_eq!(n("1e2").to_string(), "100");
        assert_eq!(n("-0.00012").to_string(), "-0.00012");
        assert_eq!(n("0.000").to_string(), "0");
        assert_eq!(n("-0").to_string(), "0");
        assert_eq!(n("+7").to_string(), "7");
        assert_eq!(n("1E-130").to_string(), format!("0.{}1", "0".repeat(129)));
    }

    #[test]
    fn exact_addition() {
        assert_eq!(n("0.1").add(&n("0.2")).unwrap(), n("0.3"));
        assert_eq!(n("0.3").sub(&n("0.1")).unwrap().to_string(), "0.2");
    }

    #[test]
    fn limits() {
        assert_eq!(Number::parse(&"1".repeat(39)), Err(NumberError::TooManyDigits));
        assert!(Number::parse(&"9".repeat(38)).is_ok());
        assert_eq!(Number::parse("1E126"), Err(NumberError::Overflow));
        assert!(Number::parse("9.9999999999999999999999999999999999999E+125").is_ok());
        assert_eq!(Number::parse("1E-131"), Err(NumberError::Underflow));
        assert!(Number::parse("-1E-130").is_ok());
        let big = n(&"9".repeat(38));
        assert_eq!(big.add(&n("1")).unwrap(), n("1e38"));
        assert_eq!(n("1e30").add(&n("1e-30")), Err(NumberError::TooManyDigits));
        assert_eq!(n("9e125").add(&n("1e125")), Err(NumberError::Overflow));
    }

    #[test]
    fn not_numbers() {
        for bad in ["", " ", "abc", "1.2.3", "NaN", "Infinity", "0x10", "1e", "--1", ".", "1e1000000000"] {
            assert_eq!(Number::parse(bad), Err(NumberError::NotANumber), "{bad:?}");
        }
        assert!(Number::parse(".5").is_ok());
        assert!(Number::parse("5.").is_ok());
    }

    #[test]
    fn order_is_numeric() {
        assert!(n("9") < n("10"));
        assert!(n("-10") < n("-9"));
        assert!(n("1.05") < n("1.5"));
        assert_eq!(n("100").cmp(&n("1e2")), Ordering::Equal);
    }

    #[test]
    fn size() {
        assert_eq!(n("1").size(), 2);
        assert_eq!(n("12").size(), 2);
        assert_eq!(n("123").size(), 3);
        assert_eq!(n("1000").size(), 2);
    }
}
