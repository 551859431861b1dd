//! Secrets from the operating system's generator: refresh tokens, temporary passwords,
//! salts, transcript serials, lottery seeds. Never from UUID bytes, which carry fixed version
//! and variant bits.

/// `N` bytes from the OS generator. A machine whose generator fails cannot keep secrets, so
/// this panics (the request answers 500 and the fault is logged) rather than hand out a weak one.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).expect("the operating system's random generator is unavailable");
    out
}

/// `bits / 4` lowercase hex digits of fresh randomness.
pub fn hex(bits: usize) -> String {
    assert!(bits.is_multiple_of(8) && bits <= 512);
    bytes::<64>()[..bits / 8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `len` characters drawn uniformly from `alphabet` (rejection sampling: no modulo bias).
pub fn chars(alphabet: &[u8], len: usize) -> String {
    assert!(!alphabet.is_empty() && alphabet.len() <= 256);
    // The largest multiple of the alphabet's size that fits in a byte.
    let zone = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in bytes::<32>() {
            if (b as usize) < zone && out.len() < len {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn hex_has_the_asked_bits_and_does_not_repeat() {
        let a = hex(256);
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        let seen: HashSet<String> = (0..1000).map(|_| hex(256)).collect();
        assert_eq!(seen.len(), 1000);
    }

    #[test]
    fn every_bit_position_varies() {
        // UUID v4 bytes fix 6 bits (version 4, variant 10): none may be fixed here.
        let (mut ones, mut zeros) = ([false; 256], [false; 256]);
        for _ in 0..200 {
            let b = bytes::<32>();
            for i in 0..256 {
                if b[i / 8] >> (i % 8) & 1 == 1 {
                    ones[i] = true;
                } else {
                    zeros[i] = true;
                }
            }
        }
        assert!(ones.iter().all(|x| *x) && zeros.iter().all(|x| *x));
    }

    #[test]
    fn chars_come_from_the_alphabet_evenly() {
        let alphabet = b"abc";
        let mut counts = [0usize; 3];
        for c in chars(alphabet, 30_000).bytes() {
            counts[(c - b'a') as usize] += 1;
        }
        for n in counts {
            assert!((9_000..11_000).contains(&n), "{counts:?}");
        }
    }
}
