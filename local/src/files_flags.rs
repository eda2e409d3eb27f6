//! chat-local's attachments flags (docs/attachments.md, "Local"): the local S3's folder and
//! port, or none.

use std::path::PathBuf;

use chat_local::files::FilesOptions;

#[derive(Debug, clap::Args)]
pub struct FilesFlags {
    /// Turns attachments off (no local S3; uploads answer 503 attachments_unavailable).
    #[arg(long, conflicts_with_all = ["files_dir", "s3_port"])]
    no_attachments: bool,
    /// Folder the local S3 keeps attachments in (default: a fresh temporary folder, removed
    /// on exit).
    #[arg(long, value_name = "DIR")]
    files_dir: Option<PathBuf>,
    /// Port of the local S3 (0: a free one).
    #[arg(long, default_value_t = 0)]
    s3_port: u16,
}

impl FilesFlags {
    pub fn options(&self) -> Option<FilesOptions> {
        (!self.no_attachments).then(|| FilesOptions {
            dir: self.files_dir.clone(),
            port: self.s3_port,
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        files: super::FilesFlags,
    }

    #[test]
    fn attachments_are_on_by_default_on_a_free_port_and_a_temporary_folder() {
        let cli = Cli::parse_from(["chat-local"]);
        let options = cli.files.options().expect("on by default");
        assert_eq!((options.dir, options.port), (None, 0));
        let off = Cli::parse_from(["chat-local", "--no-attachments"]);
        assert_eq!(off.files.options(), None);
        assert!(Cli::try_parse_from(["chat-local", "--no-attachments", "--s3-port", "9"]).is_err());
    }
}
