//! The file and text utilities taken from uutils coreutils (`uu_ls`, `uu_cat`, …): each
//! crate exposes `uumain(args)`, so these wrappers only prepare uutils' message catalogue
//! the way its own `bin!` macro does and pass the arguments through. Their output follows
//! GNU coreutils, which is what learners see on Debian- and Red Hat-based images.

use std::ffi::OsString;

/// Runs one uutils utility: installs its SIGPIPE handling and English messages, then calls it.
fn run(util: &str, args: Vec<OsString>, main: fn(std::vec::IntoIter<OsString>) -> i32) -> i32 {
    uucore::panic::preserve_inherited_sigpipe();
    uucore::panic::mute_sigpipe_panic();
    if let Err(err) = uucore::locale::setup_localization(util) {
        eprintln!("{util}: could not load messages: {err}");
        return 99;
    }
    main(args.into_iter())
}

macro_rules! uutil {
    ($fn_name:ident, $util:literal, $krate:ident) => {
        pub fn $fn_name(args: Vec<OsString>) -> i32 {
            run($util, args, |a| $krate::uumain(a))
        }
    };
}

uutil!(cat, "cat", uu_cat);
uutil!(cp, "cp", uu_cp);
uutil!(cut, "cut", uu_cut);
uutil!(date, "date", uu_date);
uutil!(df, "df", uu_df);
uutil!(du, "du", uu_du);
uutil!(echo, "echo", uu_echo);
uutil!(env, "env", uu_env);
uutil!(false_, "false", uu_false);
uutil!(head, "head", uu_head);
uutil!(id, "id", uu_id);
uutil!(kill, "kill", uu_kill);
uutil!(ln, "ln", uu_ln);
uutil!(ls, "ls", uu_ls);
uutil!(mkdir, "mkdir", uu_mkdir);
uutil!(mv, "mv", uu_mv);
uutil!(printenv, "printenv", uu_printenv);
uutil!(pwd, "pwd", uu_pwd);
uutil!(rm, "rm", uu_rm);
uutil!(rmdir, "rmdir", uu_rmdir);
uutil!(sleep, "sleep", uu_sleep);
uutil!(sort, "sort", uu_sort);
uutil!(tail, "tail", uu_tail);
uutil!(tee, "tee", uu_tee);
uutil!(test, "test", uu_test);
uutil!(touch, "touch", uu_touch);
uutil!(tr, "tr", uu_tr);
uutil!(true_, "true", uu_true);
uutil!(uname, "uname", uu_uname);
uutil!(uniq, "uniq", uu_uniq);
uutil!(wc, "wc", uu_wc);
uutil!(whoami, "whoami", uu_whoami);
