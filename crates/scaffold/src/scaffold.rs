//! `myblog init` and `myblog new`: a new blog from the example embedded in the binary, and new
//! dated, slugged drafts.

use crate::starter::{EXAMPLE_CONFIG, EXAMPLE_CONTENT, EXAMPLE_THEME};
use include_dir::Dir;
use myblog_utils::slugify;
use myblog_utils::Error;
use myblog_utils::Result;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Folder to create the blog in (must be empty or not exist).
    pub dir: PathBuf,
    /// Only the theme and site.toml, with one welcome post instead of the example posts.
    #[arg(long)]
    pub bare: bool,
    /// Move in an existing Zola or Hugo site: its config mapped to site.toml, its content and
    /// static files copied unchanged. SITE itself is never modified.
    #[arg(long, value_name = "SITE", conflicts_with = "bare")]
    pub from: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum NewKind {
    Post,
    Page,
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// What to create.
    #[arg(value_enum)]
    pub kind: NewKind,
    /// Its title (the slug and file name are made from it).
    pub title: String,
    /// The blog's folder (default: the nearest folder upward holding site.toml).
    #[arg(long)]
    pub root: Option<PathBuf>,
}

pub fn run_init(args: &InitArgs) -> Result<()> {
    let dir = &args.dir;
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| Error::io("cannot read", dir, e))?;
        if entries.next().is_some() {
            return Err(Error::Usage(format!("{} is not empty: choose a new folder, nothing was written", dir.display())));
        }
    }
    if let Some(from) = &args.from {
        let report = crate::import::import(from, dir)?;
        print!("{report}");
        println!("Next: cd {} && myblog serve", dir.display());
        return Ok(());
    }
    init(dir, args.bare)?;
    println!("Created a new blog in {}.\nNext: cd {} && myblog serve", dir.display(), dir.display());
    Ok(())
}

/// Writes the embedded example into `dir`.
pub fn init(dir: &Path, bare: bool) -> Result<()> {
    write(&dir.join("site.toml"), EXAMPLE_CONFIG.as_bytes())?;
    write(&dir.join(".gitignore"), b"/public\n/.public.myblog-*\n")?;
    extract(&EXAMPLE_THEME, &dir.join("themes/default"))?;
    if bare {
        let today = myblog_utils::date_string(&time::OffsetDateTime::now_utc());
        let post = format!("+++\ntitle = \"Hello, world\"\ndate = {today}\ntags = [\"meta\"]\n+++\n\nMy first post. Edit `content/posts/hello-world.md` and watch `myblog serve` reload.\n");
        write(&dir.join("content/posts/hello-world.md"), post.as_bytes())?;
        write(&dir.join("content/about.md"), b"+++\ntitle = \"About\"\n+++\n\nA few words about this blog.\n")?;
    } else {
        extract(&EXAMPLE_CONTENT, &dir.join("content"))?;
    }
    Ok(())
}

/// The default theme and a `.gitignore`, for a blog whose content comes from elsewhere
/// (`init --from`).
pub fn write_theme_and_gitignore(dir: &Path) -> Result<()> {
    write(&dir.join(".gitignore"), b"/public\n/.public.myblog-*\n")?;
    extract(&EXAMPLE_THEME, &dir.join("themes/default"))
}

fn extract(d: &Dir<'_>, to: &Path) -> Result<()> {
    extract_below(d, d.path(), to)
}

/// Writes every file under `d` to `to`, at its path relative to `base`.
fn extract_below(d: &Dir<'_>, base: &Path, to: &Path) -> Result<()> {
    for f in d.files() {
        write(&to.join(f.path().strip_prefix(base).unwrap_or(f.path())), f.contents())?;
    }
    for sub in d.dirs() {
        extract_below(sub, base, to)?;
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).map_err(|e| Error::io("cannot create", p, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| Error::io("cannot write", path, e))
}

pub fn run_new(args: &NewArgs) -> Result<()> {
    let root = match &args.root {
        Some(r) if r.join(myblog_config::CONFIG_FILE).is_file() => r.clone(),
        Some(r) => {
            return Err(Error::Usage(format!(
                "{} holds no {}: pass the blog's folder to --root, or create a blog with `myblog init DIR`",
                r.display(),
                myblog_config::CONFIG_FILE
            )))
        }
        None => myblog_config::find_root(&std::env::current_dir().map_err(|e| Error::io("cannot read", ".", e))?)?,
    };
    let path = new_file(&root, args.kind, &args.title, time::OffsetDateTime::now_utc())?;
    println!("Created {} (a draft: set draft = false to publish)", path.display());
    Ok(())
}

/// Creates the markdown file for a new post or page and returns its path.
pub fn new_file(root: &Path, kind: NewKind, title: &str, now: time::OffsetDateTime) -> Result<PathBuf> {
    let slug = slugify(title);
    if slug.is_empty() {
        return Err(Error::Usage(format!("cannot make a file name from {title:?}: use a title with letters or digits")));
    }
    let today = myblog_utils::date_string(&now);
    let (path, text) = match kind {
        NewKind::Post => (
            root.join("content/posts").join(format!("{slug}.md")),
            format!("+++\ntitle = {}\ndate = {today}\ndraft = true\ntags = []\ndescription = \"\"\n+++\n\nWrite the first paragraph here: it becomes the summary on the home page.\n\n<!-- more -->\n\n## A heading\n\nThe rest of the post.\n", toml_string(title)),
        ),
        NewKind::Page => (root.join("content").join(format!("{slug}.md")), format!("+++\ntitle = {}\ndraft = true\n+++\n\nThe page's text.\n", toml_string(title))),
    };
    if path.exists() {
        return Err(Error::Usage(format!("{} already exists: pick another title, nothing was written", path.display())));
    }
    write(&path, text.as_bytes())?;
    Ok(path)
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
