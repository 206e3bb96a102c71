//! Everything a learner reads goes through here, in Korean or English.
//!
//! Messages are data: `en.toml` and `ko.toml` hold the same keys (a test checks it), and
//! `{name}` placeholders are filled by [`Messages::format`].

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The learner's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Ko,
    En,
}

impl Lang {
    /// From the locale variables, as programs do: `LC_ALL`, then `LC_MESSAGES`, then `LANG`;
    /// Korean when the first one set says `ko`, English otherwise.
    pub fn from_env() -> Self {
        Self::from_locale_vars(|name| std::env::var(name).ok())
    }

    fn from_locale_vars(get: impl Fn(&str) -> Option<String>) -> Self {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|name| get(name))
            .find(|value| !value.is_empty())
            .unwrap_or_default();
        if locale.starts_with("ko") {
            Lang::Ko
        } else {
            Lang::En
        }
    }

    /// `ko` or `en`.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "ko" => Some(Lang::Ko),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }
}

/// A message catalogue for one language.
#[derive(Debug)]
pub struct Messages {
    entries: BTreeMap<String, String>,
}

const EN: &str = include_str!("en.toml");
const KO: &str = include_str!("ko.toml");

impl Messages {
    /// The catalogue for `lang` (parsed once).
    pub fn get(lang: Lang) -> &'static Messages {
        static EN_MESSAGES: OnceLock<Messages> = OnceLock::new();
        static KO_MESSAGES: OnceLock<Messages> = OnceLock::new();
        match lang {
            Lang::En => EN_MESSAGES.get_or_init(|| Messages::parse(EN).expect("en.toml is valid")),
            Lang::Ko => KO_MESSAGES.get_or_init(|| Messages::parse(KO).expect("ko.toml is valid")),
        }
    }

    fn parse(text: &str) -> Result<Self, toml::de::Error> {
        Ok(Self {
            entries: toml::from_str(text)?,
        })
    }

    /// The message `key` with `{name}` placeholders replaced. A missing key shows as the key
    /// itself so a gap is visible rather than silent.
    pub fn format(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self
            .entries
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_string());
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }
}

/// Shorthand: the message `key` in `lang`.
pub fn tr(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    Messages::get(lang).format(key, args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let en: Vec<_> = Messages::parse(EN).unwrap().entries.into_keys().collect();
        let ko: Vec<_> = Messages::parse(KO).unwrap().entries.into_keys().collect();
        assert_eq!(en, ko);
    }

    #[test]
    fn placeholders_are_filled() {
        let text = tr(
            Lang::En,
            "sudo.rerunning",
            &[("command", "sudo dockerlings")],
        );
        assert!(text.contains("sudo dockerlings"), "{text}");
        assert!(!text.contains('{'), "{text}");
    }

    #[test]
    fn korean_locales_choose_korean() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            Lang::from_locale_vars(env(&[("LANG", "ko_KR.UTF-8")])),
            Lang::Ko
        );
        assert_eq!(
            Lang::from_locale_vars(env(&[("LANG", "en_US.UTF-8")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_locale_vars(env(&[("LC_ALL", "C"), ("LANG", "ko_KR.UTF-8")])),
            Lang::En
        );
        assert_eq!(Lang::from_locale_vars(env(&[])), Lang::En);
    }
}
