//! Image steps as Dockerfile instructions: each step changes the image config the way the
//! instruction would, and leaves a history entry worded the way BuildKit words it
//! (`CMD ["nginx" "-g" "daemon off;"]`, `RUN /bin/sh -c … # buildkit`, comment
//! `buildkit.dockerfile.v0`). Config and history come from the same step, so they cannot
//! disagree.

use std::collections::{BTreeMap, BTreeSet};

use super::model::StepDef;

/// The comment BuildKit puts on every history entry it writes.
pub(crate) const BUILDKIT_COMMENT: &str = "buildkit.dockerfile.v0";

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Instruction {
    Env(Vec<(String, String)>),
    Label(BTreeMap<String, String>),
    Cmd(Vec<String>),
    Entrypoint(Vec<String>),
    Workdir(String),
    Expose(Vec<String>),
    StopSignal(String),
    User(String),
    Run(String),
    Copy(String),
    Add(String),
}

/// A step checked for shape: one instruction, plus the layer it made (if any).
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub instruction: Instruction,
    pub layer: Option<String>,
}

impl Step {
    pub fn from_def(def: &StepDef) -> Result<Self, String> {
        let mut found = Vec::new();
        if let Some(env) = &def.env {
            let mut pairs = Vec::new();
            for item in env {
                let (k, v) = item
                    .split_once('=')
                    .filter(|(k, _)| !k.is_empty())
                    .ok_or_else(|| format!("env entry {item:?} is not KEY=VALUE"))?;
                pairs.push((k.to_string(), v.to_string()));
            }
            if pairs.is_empty() {
                return Err("empty env step".into());
            }
            found.push(Instruction::Env(pairs));
        }
        if let Some(label) = &def.label {
            if label.is_empty() {
                return Err("empty label step".into());
            }
            found.push(Instruction::Label(label.clone()));
        }
        if let Some(cmd) = &def.cmd {
            found.push(Instruction::Cmd(cmd.clone()));
        }
        if let Some(ep) = &def.entrypoint {
            found.push(Instruction::Entrypoint(ep.clone()));
        }
        if let Some(dir) = &def.workdir {
            if !dir.starts_with('/') {
                return Err(format!("workdir {dir:?} must be absolute"));
            }
            found.push(Instruction::Workdir(dir.clone()));
        }
        if let Some(ports) = &def.expose {
            let mut normalized = Vec::new();
            for p in ports {
                normalized.push(normalize_port(p)?);
            }
            found.push(Instruction::Expose(normalized));
        }
        if let Some(sig) = &def.stopsignal {
            found.push(Instruction::StopSignal(sig.clone()));
        }
        if let Some(user) = &def.user {
            found.push(Instruction::User(user.clone()));
        }
        if let Some(run) = &def.run {
            found.push(Instruction::Run(run.clone()));
        }
        if let Some(copy) = &def.copy {
            found.push(Instruction::Copy(copy.clone()));
        }
        if let Some(add) = &def.add {
            found.push(Instruction::Add(add.clone()));
        }
        if found.len() != 1 {
            return Err(format!(
                "a step must hold exactly one instruction, found {} (layer {:?})",
                found.len(),
                def.layer
            ));
        }
        let instruction = found.pop().expect("one instruction");
        let makes_files = matches!(
            instruction,
            Instruction::Run(_) | Instruction::Copy(_) | Instruction::Add(_)
        );
        match (&def.layer, makes_files, &instruction) {
            (None, true, _) => Err(format!("{} needs a layer", instruction.keyword())),
            (Some(l), false, i) if !matches!(i, Instruction::Workdir(_)) => {
                Err(format!("{} cannot make a layer (layer {l:?})", i.keyword()))
            }
            _ => Ok(Self {
                instruction,
                layer: def.layer.clone(),
            }),
        }
    }
}

impl Instruction {
    pub fn keyword(&self) -> &'static str {
        match self {
            Self::Env(_) => "ENV",
            Self::Label(_) => "LABEL",
            Self::Cmd(_) => "CMD",
            Self::Entrypoint(_) => "ENTRYPOINT",
            Self::Workdir(_) => "WORKDIR",
            Self::Expose(_) => "EXPOSE",
            Self::StopSignal(_) => "STOPSIGNAL",
            Self::User(_) => "USER",
            Self::Run(_) => "RUN",
            Self::Copy(_) => "COPY",
            Self::Add(_) => "ADD",
        }
    }

    /// The history `created_by` text, as BuildKit writes it.
    pub fn created_by(&self) -> String {
        let kw = self.keyword();
        match self {
            Self::Env(pairs) => {
                let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("{kw} {}", body.join(" "))
            }
            Self::Label(labels) => {
                let body: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("{kw} {}", body.join(" "))
            }
            Self::Cmd(args) | Self::Entrypoint(args) => format!("{kw} {}", go_string_list(args)),
            Self::Workdir(s) | Self::StopSignal(s) | Self::User(s) => format!("{kw} {s}"),
            Self::Expose(ports) => {
                let sorted: BTreeSet<&String> = ports.iter().collect();
                let body: Vec<String> = sorted.iter().map(|p| format!("{p}:{{}}")).collect();
                format!("{kw} map[{}]", body.join(" "))
            }
            Self::Run(cmd) => format!("{kw} /bin/sh -c {cmd} # buildkit"),
            Self::Copy(s) | Self::Add(s) => format!("{kw} {s} # buildkit"),
        }
    }
}

/// `["a" "b c"]`: how Go prints a string slice with `%q` items, which is what BuildKit
/// shows for exec-form CMD and ENTRYPOINT.
fn go_string_list(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| serde_json::to_string(s).expect("strings serialize"))
        .collect();
    format!("[{}]", quoted.join(" "))
}

/// `80` → `80/tcp`; `53/udp` stays.
fn normalize_port(port: &str) -> Result<String, String> {
    let (num, proto) = port.split_once('/').unwrap_or((port, "tcp"));
    let ok_num = num.parse::<u16>().map(|n| n > 0).unwrap_or(false);
    if !ok_num || !matches!(proto, "tcp" | "udp" | "sctp") {
        return Err(format!("invalid port {port:?}"));
    }
    Ok(format!("{num}/{proto}"))
}

/// The runnable part of an image config, as the steps leave it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ConfigState {
    pub user: Option<String>,
    pub exposed_ports: BTreeSet<String>,
    pub env: Vec<(String, String)>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub working_dir: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub stop_signal: Option<String>,
}

/// Applies the steps of one image (one Dockerfile stage) on top of its base's config.
pub(crate) struct StageApplier<'a> {
    state: &'a mut ConfigState,
    cmd_set_here: bool,
}

impl<'a> StageApplier<'a> {
    pub fn new(state: &'a mut ConfigState) -> Self {
        Self {
            state,
            cmd_set_here: false,
        }
    }

    pub fn apply(&mut self, instruction: &Instruction) {
        let s = &mut *self.state;
        match instruction {
            Instruction::Env(pairs) => {
                for (k, v) in pairs {
                    match s.env.iter_mut().find(|(key, _)| key == k) {
                        Some(slot) => slot.1 = v.clone(),
                        None => s.env.push((k.clone(), v.clone())),
                    }
                }
            }
            Instruction::Label(labels) => s
                .labels
                .extend(labels.iter().map(|(k, v)| (k.clone(), v.clone()))),
            Instruction::Cmd(args) => {
                s.cmd = Some(args.clone());
                self.cmd_set_here = true;
            }
            Instruction::Entrypoint(args) => {
                s.entrypoint = Some(args.clone());
                // As in Docker: an ENTRYPOINT resets a CMD inherited from the base image.
                if !self.cmd_set_here {
                    s.cmd = None;
                }
            }
            Instruction::Workdir(dir) => s.working_dir = Some(dir.clone()),
            Instruction::Expose(ports) => s.exposed_ports.extend(ports.iter().cloned()),
            Instruction::StopSignal(sig) => s.stop_signal = Some(sig.clone()),
            Instruction::User(user) => s.user = Some(user.clone()),
            Instruction::Run(_) | Instruction::Copy(_) | Instruction::Add(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_history_text_is_buildkit_style() {
        let cmd = Instruction::Cmd(vec!["nginx".into(), "-g".into(), "daemon off;".into()]);
        assert_eq!(cmd.created_by(), r#"CMD ["nginx" "-g" "daemon off;"]"#);
        let expose = Instruction::Expose(vec!["80/tcp".into(), "443/tcp".into()]);
        assert_eq!(expose.created_by(), "EXPOSE map[443/tcp:{} 80/tcp:{}]");
        assert_eq!(
            Instruction::Run("true".into()).created_by(),
            "RUN /bin/sh -c true # buildkit"
        );
        assert_eq!(normalize_port("80").unwrap(), "80/tcp");
        assert!(normalize_port("http").is_err());
    }

    #[test]
    fn catalogue_entrypoint_resets_inherited_cmd() {
        let mut state = ConfigState {
            cmd: Some(vec!["bash".into()]),
            ..Default::default()
        };
        StageApplier::new(&mut state).apply(&Instruction::Entrypoint(vec!["/e.sh".into()]));
        assert_eq!(state.cmd, None);
        let mut applier = StageApplier::new(&mut state);
        applier.apply(&Instruction::Cmd(vec!["x".into()]));
        applier.apply(&Instruction::Entrypoint(vec!["/e.sh".into()]));
        assert_eq!(state.cmd, Some(vec!["x".into()]));
    }

    #[test]
    fn catalogue_step_needs_exactly_one_instruction() {
        let two = StepDef {
            cmd: Some(vec![]),
            user: Some("x".into()),
            ..Default::default()
        };
        assert!(Step::from_def(&two).is_err());
        let run_without_layer = StepDef {
            run: Some("x".into()),
            ..Default::default()
        };
        assert!(Step::from_def(&run_without_layer).is_err());
        let env_with_layer = StepDef {
            env: Some(vec!["A=1".into()]),
            layer: Some("l".into()),
            ..Default::default()
        };
        assert!(Step::from_def(&env_with_layer).is_err());
    }
}
