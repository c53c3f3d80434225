//! One file: the marker and scan walks share the bit reader, Huffman tables and error positions.
//!
//! Is this JPEG whole? A walk through its compressed data that decodes the
//! Huffman codes (not the pixels) and checks that they end where the file says.
//!
//! The image crate's JPEG decoder (zune-jpeg) fills whatever is missing or
//! unreadable with grey and reports success; its strict mode, which we also
//! use, catches a file that ends early but not bytes overwritten in the
//! middle: Huffman codes resynchronise after a few bits, and the decoder
//! simply stops when it has all its blocks. But a damaged stream almost never
//! ends exactly where the encoder ended it: decoding the codes block by block,
//! as libjpeg does before it prints "Corrupt JPEG data", we find the scan's
//! last block too early (extra bytes before the next marker), too late (a
//! marker in the middle of a block), or a code no table has.
//!
//! Baseline, extended sequential and progressive Huffman JPEG (SOF0/1/2: what
//! cameras, our own encoder and the web write) are walked; for a progressive
//! file the walk remembers which coefficients each block has so far, as a
//! refinement scan needs. Lossless and arithmetic-coded files (rare) are left
//! to the decoder's strict mode, which still refuses one that ends early.

/// What is wrong with the file, as one phrase (the caller adds the file name).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum JpegProblem {
    /// The data ends before the image does.
    Truncated(String),
    /// The data is there but does not decode as the headers say.
    Corrupt(String),
}

/// A canonical Huffman table (JPEG spec, F.2.2.3): for each code length,
/// the largest code of that length and where its symbols start.
struct Huffman {
    max_code: [i32; 17],
    val_ptr: [i32; 17],
    min_code: [i32; 17],
    symbols: Vec<u8>,
}

impl Huffman {
    fn new(counts: &[u8; 16], symbols: Vec<u8>) -> Huffman {
        let (mut max_code, mut val_ptr, mut min_code) = ([-1; 17], [0; 17], [0; 17]);
        let (mut code, mut k) = (0i32, 0i32);
        for len in 1..=16 {
            let n = i32::from(counts[len - 1]);
            if n > 0 {
                val_ptr[len] = k;
                min_code[len] = code;
                code += n;
                k += n;
                max_code[len] = code - 1;
            }
            code <<= 1;
        }
        Huffman {
            max_code,
            val_ptr,
            min_code,
            symbols,
        }
    }
}

/// The bits of one entropy-coded segment: `FF 00` is a data byte `FF`; any
/// other `FF xx` is a marker, which ends the segment.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    byte: u32,
    left: u32,
}

impl Bits<'_> {
    fn bit(&mut self, at: &Where) -> Result<u32, JpegProblem> {
        if self.left == 0 {
            let Some(&b) = self.data.get(self.pos) else {
                return Err(at.truncated());
            };
            if b == 0xFF {
                match self.data.get(self.pos + 1) {
                    None => return Err(at.truncated()),
                    Some(0) => self.pos += 2,
                    Some(&m) => {
                        return Err(JpegProblem::Corrupt(format!(
                            "marker FF{m:02X} inside block {} of {}",
                            at.block + 1,
                            at.blocks
                        )));
                    }
                }
            } else {
                self.pos += 1;
            }
            self.byte = u32::from(b);
            self.left = 8;
        }
        self.left -= 1;
        Ok((self.byte >> self.left) & 1)
    }

    fn skip(&mut self, n: u32, at: &Where) -> Result<(), JpegProblem> {
        for _ in 0..n {
            self.bit(at)?;
        }
        Ok(())
    }

    /// A signed value of `n` bits (F.2.2.1's EXTEND).
    fn value(&mut self, n: u32, at: &Where) -> Result<i32, JpegProblem> {
        let mut v = 0i32;
        for _ in 0..n {
            v = (v << 1) | self.bit(at)? as i32;
        }
        Ok(if n > 0 && v < 1 << (n - 1) {
            v - (1 << n) + 1
        } else {
            v
        })
    }

    fn decode(&mut self, table: &Huffman, at: &Where) -> Result<u8, JpegProblem> {
        let mut code = 0i32;
        for len in 1..=16 {
            code = (code << 1) | self.bit(at)? as i32;
            if code <= table.max_code[len] {
                let i = table.val_ptr[len] + code - table.min_code[len];
                return Ok(table.symbols[i as usize]);
            }
        }
        Err(at.corrupt("bad Huffman code"))
    }

    /// Drops the padding bits of the current byte (before a marker).
    fn align(&mut self) {
        self.left = 0;
    }
}

/// Where the walk is, for the messages.
struct Where {
    block: u64,
    blocks: u64,
}

impl Where {
    fn truncated(&self) -> JpegProblem {
        JpegProblem::Truncated(format!(
            "the file ends in block {} of {}",
            self.block + 1,
            self.blocks
        ))
    }
    fn corrupt(&self, what: &str) -> JpegProblem {
        JpegProblem::Corrupt(format!(
            "{what} in block {} of {}",
            self.block + 1,
            self.blocks
        ))
    }
}

#[derive(Clone, Copy)]
struct Component {
    id: u8,
    h: u32,
    v: u32,
    /// Its quantisation table.
    tq: usize,
}

fn segment(bytes: &[u8], pos: usize) -> Result<&[u8], JpegProblem> {
    let header_end = || JpegProblem::Truncated("the file ends inside a header".into());
    let len = match bytes.get(pos..pos + 2) {
        Some(l) => usize::from(u16::from_be_bytes([l[0], l[1]])),
        None => return Err(header_end()),
    };
    if len < 2 {
        return Err(JpegProblem::Corrupt(format!("a header of length {len}")));
    }
    bytes.get(pos + 2..pos + len).ok_or_else(header_end)
}

fn div_ceil(a: u32, b: u32) -> u64 {
    u64::from(a.div_ceil(b))
}

/// Checks a JPEG file's structure and, for Huffman-coded JPEG, every
/// scan's compressed data (see the module docs). `Ok` for a whole file; a
/// file that only lacks its final EOI marker after complete scans is whole.
pub(crate) fn check_jpeg(bytes: &[u8]) -> Result<(), JpegProblem> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(JpegProblem::Corrupt("no start-of-image marker".into()));
    }
    let mut pos = 2;
    let mut frame: Option<(u32, u32, Vec<Component>)> = None;
    // The DC step of each quantisation table, and the largest DC magnitude.
    let mut dc_step = [1i32; 4];
    let mut dc_limit = 1024;
    let mut walk = true; // Huffman-coded, sequential or progressive: we can check the scans
    let mut progressive: Option<NonZero> = None;
    let (mut dc, mut ac): ([Option<Huffman>; 4], [Option<Huffman>; 4]) = Default::default();
    let mut restart_interval = 0u64;
    let mut scans = 0;
    loop {
        // Find the next marker (fill bytes FF may precede it).
        if pos >= bytes.len() {
            return if scans > 0 {
                Ok(()) // whole scans, only the EOI marker is missing
            } else {
                Err(JpegProblem::Truncated(
                    "the file ends before the image data".into(),
                ))
            };
        }
        if bytes[pos] != 0xFF {
            return Err(JpegProblem::Corrupt(format!(
                "{} stray bytes where a marker should be",
                bytes[pos..].iter().take_while(|&&b| b != 0xFF).count()
            )));
        }
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&marker) = bytes.get(pos) else {
            return Err(JpegProblem::Truncated(
                "the file ends inside a header".into(),
            ));
        };
        pos += 1;
        match marker {
            0xD9 => return Ok(()), // EOI
            0xD0..=0xD7 | 0x01 => continue,
            _ => {}
        }
        let data = segment(bytes, pos)?;
        pos += 2 + data.len();
        match marker {
            0xC0..=0xC2 => {
                if data.len() < 6 || data.len() < 6 + 3 * usize::from(data[5]) {
                    return Err(JpegProblem::Corrupt("a short frame header".into()));
                }
                dc_limit = 1024 << u32::from(data[0].saturating_sub(8).min(8));
                let height = u32::from(u16::from_be_bytes([data[1], data[2]]));
                let width = u32::from(u16::from_be_bytes([data[3], data[4]]));
                let components = data[6..6 + 3 * usize::from(data[5])]
                    .chunks_exact(3)
                    .map(|c| Component {
                        id: c[0],
                        h: u32::from(c[1] >> 4),
                        v: u32::from(c[1] & 15),
                        tq: usize::from(c[2] & 3),
                    })
                    .collect::<Vec<_>>();
                if components
                    .iter()
                    .any(|c| !(1..=4).contains(&c.h) || !(1..=4).contains(&c.v))
                {
                    return Err(JpegProblem::Corrupt("bad sampling factors".into()));
                }
                // Height 0 means "given later" (DNL): rare; leave it to the decoder.
                walk &= height > 0 && width > 0;
                if marker == 0xC2 {
                    progressive = Some(vec![Vec::new(); components.len()]);
                }
                frame = Some((width, height, components));
            }
            // Any other frame type (lossless, hierarchical, arithmetic): not walked.
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => walk = false,
            0xC4 => {
                let mut t = data;
                while !t.is_empty() {
                    if t.len() < 17 {
                        return Err(JpegProblem::Corrupt("a short Huffman table".into()));
                    }
                    let counts: [u8; 16] = t[1..17].try_into().expect("16 bytes");
                    let n: usize = counts.iter().map(|&c| usize::from(c)).sum();
                    let Some(symbols) = t.get(17..17 + n) else {
                        return Err(JpegProblem::Corrupt("a short Huffman table".into()));
                    };
                    let table = Some(Huffman::new(&counts, symbols.to_vec()));
                    let slot = usize::from(t[0] & 3);
                    if t[0] >> 4 == 0 {
                        dc[slot] = table;
                    } else {
                        ac[slot] = table;
                    }
                    t = &t[17 + n..];
                }
            }
            0xDB => {
                let mut t = data;
                while let Some(&pq) = t.first() {
                    let size = if pq >> 4 == 0 { 65 } else { 129 };
                    let Some(table) = t.get(..size) else {
                        return Err(JpegProblem::Corrupt("a short quantisation table".into()));
                    };
                    dc_step[usize::from(pq & 3)] = if size == 65 {
                        i32::from(table[1])
                    } else {
                        i32::from(u16::from_be_bytes([table[1], table[2]]))
                    }
                    .max(1);
                    t = &t[size..];
                }
            }
            0xDD if data.len() >= 2 => {
                restart_interval = u64::from(u16::from_be_bytes([data[0], data[1]]));
            }
            0xDA => {
                scans += 1;
                let Some((width, height, components)) = frame.as_ref().filter(|_| walk) else {
                    if frame.is_none() {
                        return Err(JpegProblem::Corrupt(
                            "image data before the frame header".into(),
                        ));
                    }
                    // Not walked: skip to the next marker (the decoder checks the rest).
                    return Ok(());
                };
                pos = walk_scan(
                    bytes,
                    pos,
                    data,
                    (*width, *height, components),
                    (&dc, &ac),
                    restart_interval,
                    (dc_step, dc_limit),
                    progressive.as_mut(),
                )?;
            }
            _ => {} // APPn, COM, DQT, …: nothing to check
        }
    }
}

/// What a scan holds. A sequential scan has all 64 coefficients of its
/// blocks; a progressive file sends them in several scans (G.1.1): first the
/// DC values (`Al` bits fewer), then bands `ss..=se` of AC coefficients, then
/// refinements, one more bit at a time.
#[derive(Clone, Copy, PartialEq)]
enum Scan {
    Sequential,
    DcFirst { al: u32 },
    DcRefine,
    AcFirst { ss: usize, se: usize },
    AcRefine { ss: usize, se: usize },
}

/// What the progressive walk remembers across scans: for each component,
/// for each of its blocks, which coefficients are already non-zero (one bit
/// each): a refinement scan sends a correction bit for exactly those.
pub(crate) type NonZero = Vec<Vec<u64>>;

/// Walks one scan starting at `pos` (just after its header `sos`); returns
/// the position of the marker that follows it.
#[allow(clippy::too_many_arguments)]
fn walk_scan(
    bytes: &[u8],
    pos: usize,
    sos: &[u8],
    (width, height, components): (u32, u32, &[Component]),
    (dc, ac): (&[Option<Huffman>; 4], &[Option<Huffman>; 4]),
    restart_interval: u64,
    (dc_step, dc_limit): ([i32; 4], i32),
    progressive: Option<&mut NonZero>,
) -> Result<usize, JpegProblem> {
    let n = usize::from(*sos.first().unwrap_or(&0));
    if n == 0 || sos.len() < 1 + 2 * n + 3 {
        return Err(JpegProblem::Corrupt("a short scan header".into()));
    }
    let tail = &sos[1 + 2 * n..];
    let (ss, se, ah, al) = (
        usize::from(tail[0]),
        usize::from(tail[1]),
        u32::from(tail[2] >> 4),
        u32::from(tail[2] & 15),
    );
    let scan = match (&progressive, ss, ah) {
        (None, _, _) => Scan::Sequential,
        (Some(_), 0, 0) => Scan::DcFirst { al },
        (Some(_), 0, _) => Scan::DcRefine,
        (Some(_), _, 0) => Scan::AcFirst { ss, se },
        (Some(_), _, _) => Scan::AcRefine { ss, se },
    };
    let bad_band = match scan {
        Scan::DcFirst { .. } | Scan::DcRefine => se != 0,
        Scan::AcFirst { .. } | Scan::AcRefine { .. } => se < ss || se > 63 || n != 1,
        Scan::Sequential => false,
    };
    if bad_band || al > 13 {
        return Err(JpegProblem::Corrupt(format!(
            "a progressive scan of coefficients {ss} to {se} (bit {al}) of {n} components"
        )));
    }
    let (needs_dc, needs_ac) = match scan {
        Scan::Sequential => (true, true),
        Scan::DcFirst { .. } => (true, false),
        Scan::DcRefine => (false, false),
        Scan::AcFirst { .. } | Scan::AcRefine { .. } => (false, true),
    };
    let h_max = components.iter().map(|c| c.h).max().unwrap_or(1);
    let v_max = components.iter().map(|c| c.v).max().unwrap_or(1);
    // For each component of the scan: its index, its tables, its blocks per MCU.
    let mut parts = Vec::new();
    for s in sos[1..1 + 2 * n].chunks_exact(2) {
        let Some(index) = components.iter().position(|c| c.id == s[0]) else {
            return Err(JpegProblem::Corrupt(format!(
                "scan of unknown component {}",
                s[0]
            )));
        };
        let d = dc[usize::from(s[1] >> 4 & 3)].as_ref();
        let a = ac[usize::from(s[1] & 3)].as_ref();
        if (needs_dc && d.is_none()) || (needs_ac && a.is_none()) {
            return Err(JpegProblem::Corrupt(
                "scan uses an undefined Huffman table".into(),
            ));
        }
        parts.push((index, d, a));
    }
    // One component alone: its own blocks, no MCU padding to the largest sampling.
    let own_blocks = |c: &Component| {
        let w = (width * c.h).div_ceil(h_max);
        let h = (height * c.v).div_ceil(v_max);
        div_ceil(w, 8) * div_ceil(h, 8)
    };
    let (mcus, per_mcu): (u64, Vec<u64>) = if n == 1 {
        (own_blocks(&components[parts[0].0]), vec![1])
    } else {
        (
            div_ceil(width, 8 * h_max) * div_ceil(height, 8 * v_max),
            parts
                .iter()
                .map(|&(i, _, _)| u64::from(components[i].h * components[i].v))
                .collect(),
        )
    };
    let blocks = mcus * per_mcu.iter().sum::<u64>();
    let mut bits = Bits {
        data: bytes,
        pos,
        byte: 0,
        left: 0,
    };
    let mut at = Where { block: 0, blocks };
    // An AC scan's blocks: the component's map of non-zero coefficients.
    let mut nonzero: Option<&mut Vec<u64>> = match (progressive, scan) {
        (Some(maps), Scan::AcFirst { .. } | Scan::AcRefine { .. }) => {
            let map = &mut maps[parts[0].0];
            map.resize(mcus as usize, 0);
            Some(map)
        }
        _ => None,
    };
    // Each block's DC value is the previous one's plus a difference: a stream
    // that went astray and found its way back keeps a wrong DC sum, which
    // often leaves the range a real image can have (|DC| <= 1024 x step).
    let mut dc_sum = vec![0i32; parts.len()];
    // A progressive AC scan may end a run of blocks with one code (EOBRUN).
    let mut eob_run = 0u32;
    for mcu in 0..mcus {
        if restart_interval > 0 && mcu > 0 && mcu % restart_interval == 0 {
            // A restart marker RSTn (n = 0..7 in turn) between intervals.
            bits.align();
            let expected = 0xD0 + ((mcu / restart_interval - 1) % 8) as u8;
            match bytes.get(bits.pos..bits.pos + 2) {
                Some([0xFF, m]) if *m == expected => {
                    bits.pos += 2;
                    dc_sum.fill(0);
                    eob_run = 0;
                }
                None | Some([0xFF]) => return Err(at.truncated()),
                _ => return Err(at.corrupt("restart marker missing")),
            }
        }
        for ((&(c, d, a), &count), sum) in parts.iter().zip(&per_mcu).zip(&mut dc_sum) {
            for _ in 0..count {
                let step = dc_step[components[c].tq];
                match scan {
                    Scan::Sequential | Scan::DcFirst { .. } => {
                        let shift = if let Scan::DcFirst { al } = scan {
                            al
                        } else {
                            0
                        };
                        let size = bits.decode(d.expect("checked"), &at)?;
                        if size > 11 {
                            return Err(at.corrupt("bad DC difference"));
                        }
                        *sum += bits.value(u32::from(size), &at)?;
                        // (A progressive first scan sends DC >> Al, rounded
                        // down: up to 2^Al - 1 steps more in magnitude.)
                        if (sum.abs() << shift).saturating_mul(step) > dc_limit + (step << shift) {
                            return Err(at.corrupt("DC value out of range"));
                        }
                        if scan == Scan::Sequential {
                            sequential_ac(&mut bits, a.expect("checked"), &at)?;
                        }
                    }
                    Scan::DcRefine => bits.skip(1, &at)?,
                    Scan::AcFirst { ss, se } | Scan::AcRefine { ss, se } => {
                        let map = nonzero.as_deref_mut().expect("AC scan");
                        let (table, block) = (a.expect("checked"), &mut map[mcu as usize]);
                        if matches!(scan, Scan::AcFirst { .. }) {
                            ac_first(&mut bits, table, (ss, se), &mut eob_run, block, &at)?;
                        } else {
                            ac_refine(&mut bits, table, (ss, se), &mut eob_run, block, &at)?;
                        }
                    }
                }
                at.block += 1;
            }
        }
    }
    if eob_run > 0 {
        return Err(at.corrupt("a run of empty blocks longer than the scan"));
    }
    // The scan is complete: the rest of its last byte is padding, which the
    // standard makes 1-bits; what follows must be a marker (or the end of a
    // file that lacks only its EOI).
    if bits.left > 0 && bits.byte & ((1 << bits.left) - 1) != (1 << bits.left) - 1 {
        return Err(at.corrupt("padding bits that are not 1s after the last block; the data ends"));
    }
    bits.align();
    let rest = &bytes[bits.pos..];
    let extra = rest
        .windows(2)
        .position(|w| w[0] == 0xFF && w[1] != 0)
        .unwrap_or(rest.len());
    if extra > 0 && !(extra == rest.len() && rest.iter().all(|&b| b == 0xFF)) {
        return Err(JpegProblem::Corrupt(format!(
            "{extra} extra bytes after the last of {blocks} blocks"
        )));
    }
    Ok(bits.pos + extra)
}

/// The 63 AC coefficients of a sequential block (F.2.2.2).
fn sequential_ac(bits: &mut Bits, table: &Huffman, at: &Where) -> Result<(), JpegProblem> {
    let mut k = 1;
    while k < 64 {
        let rs = bits.decode(table, at)?;
        let (run, size) = (u32::from(rs >> 4), u32::from(rs & 15));
        if size == 0 {
            if run != 15 {
                return Ok(()); // end of block
            }
            k += 16;
        } else {
            k += run;
            if k > 63 {
                return Err(at.corrupt("coefficient beyond the 64th"));
            }
            bits.skip(size, at)?;
            k += 1;
        }
    }
    if k > 64 {
        return Err(at.corrupt("coefficient beyond the 64th"));
    }
    Ok(())
}

/// The end-of-band run a code with run `r` and size 0 starts: 2^r blocks,
/// plus `r` more bits (G.1.2.2), counting the current one.
fn eob_run_of(bits: &mut Bits, r: u32, at: &Where) -> Result<u32, JpegProblem> {
    let extra = if r > 0 {
        let mut v = 0;
        for _ in 0..r {
            v = (v << 1) | bits.bit(at)?;
        }
        v
    } else {
        0
    };
    Ok((1 << r) + extra)
}

/// A first AC scan of band `ss..=se` of one block (G.1.2.2): codes of
/// (zero run, size) and their value bits, or a run of empty bands.
fn ac_first(
    bits: &mut Bits,
    table: &Huffman,
    (ss, se): (usize, usize),
    eob_run: &mut u32,
    nonzero: &mut u64,
    at: &Where,
) -> Result<(), JpegProblem> {
    if *eob_run > 0 {
        *eob_run -= 1;
        return Ok(());
    }
    let mut k = ss;
    while k <= se {
        let rs = bits.decode(table, at)?;
        let (r, s) = (usize::from(rs >> 4), u32::from(rs & 15));
        if s == 0 {
            if r < 15 {
                *eob_run = eob_run_of(bits, r as u32, at)? - 1;
                return Ok(());
            }
            k += 16;
        } else {
            k += r;
            if k > se {
                return Err(at.corrupt("coefficient beyond its band"));
            }
            bits.skip(s, at)?;
            *nonzero |= 1 << k;
            k += 1;
        }
    }
    if k > se + 1 {
        return Err(at.corrupt("coefficient beyond its band"));
    }
    Ok(())
}

/// An AC refinement scan of one block (G.1.2.3): a correction bit for each
/// coefficient already non-zero, and new coefficients of magnitude 1 placed
/// by runs that count only the zero ones.
fn ac_refine(
    bits: &mut Bits,
    table: &Huffman,
    (ss, se): (usize, usize),
    eob_run: &mut u32,
    nonzero: &mut u64,
    at: &Where,
) -> Result<(), JpegProblem> {
    let mut k = ss;
    if *eob_run == 0 {
        while k <= se {
            let rs = bits.decode(table, at)?;
            let (mut r, s) = (u32::from(rs >> 4), u32::from(rs & 15));
            match s {
                0 if r < 15 => {
                    *eob_run = eob_run_of(bits, r, at)?;
                    break;
                }
                0 => {}                 // 16 zero coefficients
                1 => bits.skip(1, at)?, // the new coefficient's sign
                _ => return Err(at.corrupt("bad refinement code")),
            }
            // Pass the coefficients already non-zero (a correction bit each)
            // and r zero ones; the new one, if any, takes the next zero place.
            while k <= se {
                if *nonzero >> k & 1 == 1 {
                    bits.skip(1, at)?;
                } else if r == 0 {
                    break;
                } else {
                    r -= 1;
                }
                k += 1;
            }
            if s == 1 {
                if k > se {
                    return Err(at.corrupt("coefficient beyond its band"));
                }
                *nonzero |= 1 << k;
            }
            k += 1;
        }
    }
    if *eob_run > 0 {
        // In a run of blocks with no new coefficient: correction bits only.
        while k <= se {
            if *nonzero >> k & 1 == 1 {
                bits.skip(1, at)?;
            }
            k += 1;
        }
        *eob_run -= 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32, gray: bool) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([
                (x * 7 % 256) as u8,
                (y * 5 % 256) as u8,
                ((x ^ y) % 256) as u8,
            ])
        });
        let mut out = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
        if gray {
            image::DynamicImage::ImageRgb8(img)
                .to_luma8()
                .write_with_encoder(enc)
                .unwrap();
        } else {
            img.write_with_encoder(enc).unwrap();
        }
        out
    }

    #[test]
    fn whole_files_pass_and_so_does_one_without_eoi() {
        for (w, h, gray) in [
            (40, 30, false),
            (17, 9, false),
            (33, 21, true),
            (1, 1, false),
        ] {
            let b = jpeg(w, h, gray);
            assert_eq!(check_jpeg(&b), Ok(()), "{w}x{h} gray={gray}");
            assert_eq!(check_jpeg(&b[..b.len() - 2]), Ok(()), "{w}x{h} without EOI");
        }
    }

    /// Progressive JPEGs written by Pillow (data/progressive/, made by
    /// scripts/make_progressive_jpegs.py): 4:2:0, 4:4:4 with restart
    /// markers, gray; each has DC, AC-band and refinement scans.
    fn progressive_files() -> Vec<(&'static str, Vec<u8>)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/progressive");
        [
            "coffee_420.jpg",
            "astronaut_444_restarts.jpg",
            "hubble_gray.jpg",
        ]
        .into_iter()
        .map(|name| (name, std::fs::read(dir.join(name)).unwrap()))
        .collect()
    }

    #[test]
    fn progressive_files_are_walked_whole_cut_and_overwritten() {
        let (mut overwritten, mut caught) = (0, 0);
        for (name, b) in progressive_files() {
            assert!(
                b.windows(2).any(|w| w == [0xFF, 0xC2]),
                "{name}: progressive"
            );
            assert_eq!(check_jpeg(&b), Ok(()), "{name}");
            assert_eq!(check_jpeg(&b[..b.len() - 2]), Ok(()), "{name} without EOI");
            // The first scan's data starts after the last header before it.
            let data = b.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap() + 20;
            for cut in [data + 10, b.len() / 2, b.len() - 40] {
                assert!(
                    matches!(check_jpeg(&b[..cut]), Err(JpegProblem::Truncated(_))),
                    "{name} cut at {cut}: {:?}",
                    check_jpeg(&b[..cut])
                );
            }
            // 100 bytes overwritten at 50 places of the compressed data.
            for i in 0..50 {
                let at = data + (b.len() - data - 150) * i / 50;
                let mut c = b.clone();
                for (j, byte) in c[at..at + 100].iter_mut().enumerate() {
                    *byte = (j as u8).wrapping_mul(37).wrapping_add(i as u8) & 0x7F;
                }
                overwritten += 1;
                caught += usize::from(check_jpeg(&c).is_err());
            }
        }
        // Measured: 148 of 150. Some pass by chance: refinement scans are
        // partly raw bits, which no code checks. At least 9 in 10 must not.
        assert!(
            caught * 10 >= overwritten * 9,
            "{caught} of {overwritten} caught"
        );
    }

    #[test]
    fn cut_or_overwritten_files_fail() {
        let b = jpeg(64, 48, false);
        for cut in [b.len() / 2, b.len() - 10, 200] {
            assert!(
                matches!(check_jpeg(&b[..cut]), Err(JpegProblem::Truncated(_))),
                "cut at {cut}: {:?}",
                check_jpeg(&b[..cut])
            );
        }
        let mut c = b.clone();
        let mid = c.len() / 2;
        c[mid..mid + 30].fill(0x55);
        assert!(
            matches!(check_jpeg(&c), Err(JpegProblem::Corrupt(_))),
            "{:?}",
            check_jpeg(&c)
        );
    }
}
