//! Number formatting exactly as C's `printf("%g")` does it, which is how clox prints.
//!
//! Six significant digits; scientific notation when the exponent is below -4 or at
//! least 6; trailing zeros removed; `inf`, `-inf`, `nan` and `-nan` by sign bit.

/// Formats a number as `%g` would.
pub fn format(n: f64) -> String {
    if n.is_nan() {
        return if n.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if n.is_infinite() {
        return if n < 0.0 { "-inf".into() } else { "inf".into() };
    }
    if n == 0.0 {
        return if n.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    const PRECISION: i32 = 6;
    // The exponent after rounding to six significant digits decides the style.
    let sci = format!("{:.*e}", (PRECISION - 1) as usize, n);
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
    if !(-4..PRECISION).contains(&exp) {
        let mantissa = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        let fixed = format!("{:.*}", (PRECISION - 1 - exp) as usize, n);
        strip_zeros(&fixed).to_string()
    }
}

/// `a + b` as clox computes it: when both operands are NaN, the result is the first
/// (quieted), as x86-64's `addsd` gives it. Rust leaves the sign of a NaN result
/// unspecified, and LLVM may swap the operands of a commutative operation, which
/// printed `nan` where clox prints `-nan`.
#[inline(always)]
pub fn add(a: f64, b: f64) -> f64 {
    first_nan(a, a + b)
}

/// `a * b` as clox computes it: when both operands are NaN, the result is the first.
#[inline(always)]
pub fn multiply(a: f64, b: f64) -> f64 {
    first_nan(a, a * b)
}

/// `result`, unless `a` is a NaN: then `a`, quieted. (When only the other operand is a
/// NaN, `result` already is that NaN, whichever operand order the machine code uses.)
#[inline(always)]
fn first_nan(a: f64, result: f64) -> f64 {
    const QUIET: u64 = 1 << 51;
    if a.is_nan() {
        f64::from_bits(a.to_bits() | QUIET)
    } else {
        result
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::format;

    #[test]
    fn matches_printf_g() {
        let cases = [
            (1.0, "1"),
            (0.1, "0.1"),
            (1e6, "1e+06"),
            (1234567.0, "1.23457e+06"),
            (123456.0, "123456"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-0.0, "-0"),
            (2.5, "2.5"),
            (1.0 / 3.0, "0.333333"),
            (100.0, "100"),
            (1e100, "1e+100"),
            (999999.5, "1e+06"),
            (-123.456, "-123.456"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (n, want) in cases {
            assert_eq!(format(n), want, "formatting {n}");
        }
    }

    #[test]
    fn nan_prints_its_sign() {
        assert_eq!(format(f64::NAN), "nan");
        assert_eq!(format(-f64::NAN), "-nan");
    }
}
