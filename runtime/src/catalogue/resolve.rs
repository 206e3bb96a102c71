//! The parsed catalogue, and how an image id turns into what to build: its layers bottom
//! first, its config, and its history, following `from` like Dockerfile stages.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};

use super::image_config::HistoryJson;
use super::instruction::{ConfigState, StageApplier, Step};
use super::model::{CatalogueFile, ImageDef, LayerDef};

/// The format this code reads.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// The catalogue file, parsed, with every step checked for shape.
#[derive(Debug)]
pub(crate) struct Catalogue {
    pub file: CatalogueFile,
    pub steps: BTreeMap<String, Vec<Step>>,
}

/// Everything needed to build one image except the layer bytes.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedImage {
    pub created: String,
    pub config: ConfigState,
    pub history: Vec<HistoryJson>,
    /// Layer names, bottom first.
    pub layers: Vec<String>,
}

impl Catalogue {
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: CatalogueFile =
            toml::from_str(text).map_err(|e| format!("catalogue.toml: {e}"))?;
        if file.format_version != FORMAT_VERSION {
            return Err(format!(
                "catalogue.toml: format_version {} is not {FORMAT_VERSION}",
                file.format_version
            ));
        }
        let mut steps = BTreeMap::new();
        for (id, image) in &file.images {
            let parsed = image
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    Step::from_def(s).map_err(|e| format!("image {id}, step {}: {e}", i + 1))
                })
                .collect::<Result<Vec<_>, _>>()?;
            steps.insert(id.clone(), parsed);
        }
        Ok(Self { file, steps })
    }

    /// The image id behind `repository:tag`.
    pub fn find(&self, repository: &str, tag: &str) -> Option<&str> {
        self.file.images.iter().find_map(|(id, image)| {
            (image.repository.as_deref() == Some(repository) && image.tags.iter().any(|t| t == tag))
                .then_some(id.as_str())
        })
    }

    pub fn image(&self, id: &str) -> Result<&ImageDef, String> {
        self.file
            .images
            .get(id)
            .ok_or_else(|| format!("no image {id:?}"))
    }

    pub fn layer(&self, name: &str) -> Result<&LayerDef, String> {
        self.file
            .layers
            .get(name)
            .ok_or_else(|| format!("no layer {name:?}"))
    }

    /// The image and its bases, base-most first.
    pub fn chain(&self, id: &str) -> Result<Vec<&str>, String> {
        let mut chain: Vec<&str> = Vec::new();
        let mut current = Some(id);
        while let Some(cur) = current {
            let (key, image) = self.file.images.get_key_value(cur).ok_or_else(|| {
                format!(
                    "image {:?} is built from unknown image {cur:?}",
                    chain.last().unwrap_or(&id)
                )
            })?;
            if chain.contains(&key.as_str()) {
                return Err(format!("image {id}: `from` goes round in a circle"));
            }
            chain.push(key.as_str());
            current = image.from.as_deref();
        }
        chain.reverse();
        Ok(chain)
    }

    pub fn resolve(&self, id: &str) -> Result<ResolvedImage, String> {
        let mut config = ConfigState::default();
        let mut history = Vec::new();
        let mut layers = Vec::new();
        let mut created = String::new();
        for stage in self.chain(id)? {
            let image = self.image(stage)?;
            created = normalize_time(&image.created).map_err(|e| format!("image {stage}: {e}"))?;
            let mut applier = StageApplier::new(&mut config);
            for step in &self.steps[stage] {
                applier.apply(&step.instruction);
                if let Some(layer) = &step.layer {
                    self.layer(layer)
                        .map_err(|e| format!("image {stage}: {e}"))?;
                    layers.push(layer.clone());
                }
                history.push(HistoryJson::new(
                    &created,
                    step.instruction.created_by(),
                    step.layer.is_none(),
                ));
            }
        }
        Ok(ResolvedImage {
            created,
            config,
            history,
            layers,
        })
    }
}

/// An RFC 3339 time, re-written as `YYYY-MM-DDTHH:MM:SSZ` (UTC, as Docker writes them).
pub(crate) fn normalize_time(text: &str) -> Result<String, String> {
    Ok(parse_time(text)?.to_rfc3339_opts(SecondsFormat::Secs, true))
}

pub(crate) fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("time {text:?} is not RFC 3339: {e}"))
}
