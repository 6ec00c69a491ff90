//! Reading a `.config`: symbol -> value (`y`, `m`, `n`, `"str"`, number).

use std::collections::BTreeMap;

/// Values from a `.config`. `# CONFIG_X is not set` is stored as `n`;
/// symbols absent from the file are absent from the map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DotConfig {
    pub values: BTreeMap<String, String>,
}

impl DotConfig {
    pub fn parse(text: &str) -> DotConfig {
        let mut values = BTreeMap::new();
        for line in text.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("# CONFIG_") {
                if let Some(sym) = rest.strip_suffix(" is not set") {
                    values.insert(sym.trim().to_owned(), "n".to_owned());
                }
            } else if let Some(rest) = line.strip_prefix("CONFIG_") {
                if let Some((sym, val)) = rest.split_once('=') {
                    values.insert(sym.trim().to_owned(), val.trim().to_owned());
                }
            }
        }
        DotConfig { values }
    }

    /// The raw value text, `None` when the symbol is absent.
    pub fn get(&self, sym: &str) -> Option<&str> {
        self.values.get(sym).map(String::as_str)
    }

    /// Tristate value for expression evaluation: absent or `n` => 0, `m` => 1, `y` => 2.
    pub fn tristate(&self, sym: &str) -> u8 {
        match self.get(sym) {
            Some("y") => 2,
            Some("m") => 1,
            _ => 0,
        }
    }

    /// Human form: `y`, `m`, `n (is not set)`, `absent` or the value.
    pub fn describe(&self, sym: &str) -> String {
        match self.get(sym) {
            None => "absent (n)".to_owned(),
            Some("n") => "n".to_owned(),
            Some(v) => v.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_set_unset_and_strings() {
        let c = DotConfig::parse("CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=\"hi\"\n# comment\n");
        assert_eq!(c.get("A"), Some("y"));
        assert_eq!(c.get("B"), Some("n"));
        assert_eq!(c.get("C"), Some("\"hi\""));
        assert_eq!(c.get("D"), None);
        assert_eq!(c.tristate("A"), 2);
        assert_eq!(c.tristate("D"), 0);
    }
}
