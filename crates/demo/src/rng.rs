//! The demo generators' random numbers: SplitMix64, tiny, fast and stable
//! forever (unlike `StdRng`, whose algorithm may change between `rand`
//! versions), so the demo city never drifts. One copy for every generator.

/// SplitMix64 with the helpers the demo generators share.
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `lo..=hi` (`lo` when the range is empty).
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo) as u64 + 1;
        lo + (self.next_u64() % span) as i64
    }

    /// A number in `lo..hi` (`lo` when the range is empty).
    pub(crate) fn range_below(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo).max(1) as u64) as i64
    }

    /// True with probability `p` percent.
    pub(crate) fn percent(&mut self, p: u64) -> bool {
        self.next_u64() % 100 < p
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }

    /// A string of a pool ("" for an empty pool).
    pub(crate) fn text<'a>(&mut self, pool: &[&'a str]) -> &'a str {
        self.pick(pool).copied().unwrap_or_default()
    }

    /// One character of a pool.
    pub(crate) fn char_of(&mut self, pool: &str) -> char {
        let i = self.below(pool.chars().count());
        pool.chars().nth(i).unwrap_or('金')
    }

    /// An index into `items` chosen by weight.
    pub(crate) fn weighted<T>(&mut self, items: &[T], weight: impl Fn(&T) -> u64) -> Option<usize> {
        let total: u64 = items.iter().map(&weight).sum();
        if total == 0 {
            return None;
        }
        let mut r = self.next_u64() % total;
        for (i, item) in items.iter().enumerate() {
            let w = weight(item);
            if r < w {
                return Some(i);
            }
            r -= w;
        }
        None
    }

    pub(crate) fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}
