//! A line index of one file, built once and shared by the diagnoses of all
//! failed hunks of that file: exact and whitespace-normalised line ->
//! positions, which lines are generic, and the text joined for substring
//! search. Searching a block then costs the occurrences of its rarest line
//! instead of a scan of the whole file per hunk (issues 18 and 23: the
//! diagnosis of many failed hunks on a big file grew as hunks x lines).

use super::align::{is_generic, norm_ws};
use std::cell::RefCell;
use std::collections::HashMap;

/// Index of the lines of one file (0-based positions, ascending).
pub struct FileIndex<'a> {
    lines: &'a [&'a str],
    generic: Vec<bool>,
    /// Normalised line -> its id; `norm_ids[i]` is line i's, `at[id]` the
    /// lines with that id.
    id_of: HashMap<String, u32>,
    norm_ids: Vec<u32>,
    at: Vec<Vec<usize>>,
    /// Zeroed scratch space for `align_in`'s votes (one slot per start).
    pub(super) votes: RefCell<Vec<u64>>,
    /// The lines joined by `\n`, and where each line starts in it.
    text: String,
    starts: Vec<usize>,
}

impl<'a> FileIndex<'a> {
    pub fn new(lines: &'a [&'a str]) -> Self {
        let generic = lines.iter().map(|l| is_generic(l)).collect();
        let mut id_of: HashMap<String, u32> = HashMap::new();
        let mut norm_ids = Vec::with_capacity(lines.len());
        let mut at: Vec<Vec<usize>> = Vec::new();
        let mut text = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
        let mut starts = Vec::with_capacity(lines.len());
        let mut norm = String::new();
        for (i, l) in lines.iter().enumerate() {
            starts.push(text.len());
            text.push_str(l);
            text.push('\n');
            // Normalised into one buffer: a new String only for a new line.
            norm.clear();
            norm.extend(l.chars().filter(|c| !c.is_whitespace()));
            let id = match id_of.get(norm.as_str()) {
                Some(&id) => id,
                None => {
                    at.push(Vec::new());
                    let id = (at.len() - 1) as u32;
                    id_of.insert(norm.clone(), id);
                    id
                }
            };
            at[id as usize].push(i);
            norm_ids.push(id);
        }
        FileIndex {
            lines,
            generic,
            id_of,
            norm_ids,
            at,
            votes: RefCell::new(Vec::new()),
            text,
            starts,
        }
    }

    pub fn lines(&self) -> &'a [&'a str] {
        self.lines
    }

    /// Whether line `i` is generic ([`is_generic`]).
    pub fn is_generic_at(&self, i: usize) -> bool {
        self.generic.get(i).copied().unwrap_or(false)
    }

    /// Whether some line equals `normalised` once whitespace is removed.
    pub fn has_norm(&self, normalised: &str) -> bool {
        self.id_of.contains_key(normalised)
    }

    /// The id of a normalised line, if the file has it.
    pub fn id(&self, normalised: &str) -> Option<u32> {
        self.id_of.get(normalised).copied()
    }

    /// The id of every normalised line, by position.
    pub fn ids(&self) -> &[u32] {
        &self.norm_ids
    }

    /// Positions of the lines with id `id`.
    pub fn positions(&self, id: u32) -> &[usize] {
        self.at.get(id as usize).map_or(&[], Vec::as_slice)
    }

    /// All starts where `block` occurs exactly (as `align::find_all`).
    pub fn find_exact(&self, block: &[&str]) -> Vec<usize> {
        // Equal lines are equal once normalised: the candidates come from
        // the normalised ids, the check is exact.
        let ids: Option<Vec<u32>> = block.iter().map(|l| self.id(&norm_ws(l))).collect();
        let Some(ids) = ids else {
            return Vec::new();
        };
        find_block(&self.norm_ids, &ids, |&id| self.positions(id))
            .into_iter()
            .filter(|&s| self.lines[s..s + block.len()] == *block)
            .collect()
    }

    /// All starts where `block` (whitespace-normalised lines) occurs in the
    /// normalised file.
    pub fn find_norm(&self, block: &[String]) -> Vec<usize> {
        let ids: Option<Vec<u32>> = block.iter().map(|l| self.id(l)).collect();
        match ids {
            Some(ids) => find_block(&self.norm_ids, &ids, |&id| self.positions(id)),
            None => Vec::new(),
        }
    }

    /// Positions of the lines containing `needle` (ascending, each once).
    pub fn lines_containing(&self, needle: &str) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        if needle.is_empty() {
            return out;
        }
        for off in memchr::memmem::find_iter(self.text.as_bytes(), needle.as_bytes()) {
            let line = self.starts.partition_point(|&s| s <= off).saturating_sub(1);
            if out.last() != Some(&line) {
                out.push(line);
            }
        }
        out
    }
}

/// Starts of `block` in `hay`, found from the occurrences of the block's
/// rarest line (`at` gives a line's positions in `hay`, ascending).
fn find_block<'h, T: PartialEq + 'h>(
    hay: &[T],
    block: &[T],
    at: impl Fn(&T) -> &'h [usize],
) -> Vec<usize> {
    if block.is_empty() || block.len() > hay.len() {
        return Vec::new();
    }
    let Some((k, positions)) = block
        .iter()
        .enumerate()
        .map(|(k, l)| (k, at(l)))
        .min_by_key(|(_, p)| p.len())
    else {
        return Vec::new();
    };
    positions
        .iter()
        .filter_map(|&p| p.checked_sub(k))
        .filter(|&s| s + block.len() <= hay.len())
        .filter(|&s| {
            hay[s..s + block.len()]
                .iter()
                .zip(block)
                .all(|(a, b)| a == b)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::align::find_all;

    #[test]
    fn finds_what_a_scan_finds() {
        let file = ["a", "}", "b", "}", "a", "}", "b", " }", "", "a"];
        let ix = FileIndex::new(&file);
        for block in [
            &["a", "}"][..],
            &["}", "b"],
            &["a"],
            &["x"],
            &["}", "b", "}"],
            &["a", "}", "b", "}", "a", "}", "b", " }", "", "a"],
            &["a", "}", "b", "}", "a", "}", "b", " }", "", "a", "a"],
        ] {
            assert_eq!(ix.find_exact(block), find_all(&file, block), "{block:?}");
            let nb: Vec<String> = block.iter().map(|l| norm_ws(l)).collect();
            let nfile: Vec<String> = file.iter().map(|l| norm_ws(l)).collect();
            assert_eq!(ix.find_norm(&nb), find_all(&nfile, &nb), "{block:?}");
        }
        assert_eq!(
            ix.id("}").map(|id| ix.positions(id)),
            Some(&[1, 3, 5, 7][..])
        );
        let scan: Vec<usize> = (0..file.len()).filter(|&i| file[i].contains('}')).collect();
        assert_eq!(ix.lines_containing("}"), scan);
        assert_eq!(ix.lines_containing("a"), vec![0, 4, 9]);
    }
}
